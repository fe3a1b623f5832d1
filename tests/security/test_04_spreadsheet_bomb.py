"""Finding 4: spreadsheet bombs in the member import.

The attack: a 1.7 MB `.xlsx` whose `xl/sharedStrings.xml` unpacks to 464 MB, sent to
`POST /members/import?dry_run=true`, cost the server 76 s of CPU and 1.28 GiB it never gave back
(openpyxl reads the whole shared-strings table before the first row). A sheet of a million blank
rows is as cheap to send and was read to its end, because blank rows were skipped before they were
counted; a CSV of blank lines likewise.

The safe answer: the zip directory is checked before the workbook is opened (entries, each entry's
and the total unpacked size, the compression ratio), every line read counts against the row cap
(blank or not), and an import that runs past its time limit stops with nothing written. Each is a
quick 422 problem+json with a stable code; the server stays responsive.
"""

from __future__ import annotations

import io
import time
import zipfile
from collections.abc import Iterator

import httpx
import pytest

from factories import assert_problem, login, make_org, make_user, username_of
from factories.live_server import LiveServer, live_server
from gongjian.models.enums import Role

HEADER = "姓名,性别,出生日期,手机号码,入党日期,党员类别,工作单位党组织,报到社区,报到日期,技能特长,志愿者编号"
# The answer to a refused file must come fast: the checks read the zip directory, not the content.
# Counted in the server's CPU seconds, not on the clock: the million blank rows cost ~6 s of CPU
# here, but took 32 s of wall-clock time with make test's three lanes sharing the two cores.
QUICK_SECONDS = 20  # generous: a hang or a read of the whole file, not a speed, is what this catches

_CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    '<Override PartName="/xl/sharedStrings.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>'
    "</Types>"
)
_ROOT_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument"'
    ' Target="xl/workbook.xml"/></Relationships>'
)
_WORKBOOK = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    '<sheets><sheet name="党员" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
_WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet"'
    ' Target="worksheets/sheet1.xml"/>'
    '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings"'
    ' Target="sharedStrings.xml"/></Relationships>'
)
_SHEET_START = '<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
_SHEET_END = "</sheetData></worksheet>"


def _inline_row(line: int, values: list[str]) -> str:
    cells = "".join(
        f'<c r="{chr(65 + i)}{line}" t="inlineStr"><is><t>{v}</t></is></c>' for i, v in enumerate(values) if v
    )
    return f'<row r="{line}">{cells}</row>'


def _xlsx(sheet_chunks: Iterator[str], shared_chunks: Iterator[str], extra: int = 0) -> bytes:
    """A workbook openpyxl opens, its sheet and shared strings streamed into the zip (so the test
    never holds the unpacked size in memory)."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        zf.writestr("[Content_Types].xml", _CONTENT_TYPES)
        zf.writestr("_rels/.rels", _ROOT_RELS)
        zf.writestr("xl/workbook.xml", _WORKBOOK)
        zf.writestr("xl/_rels/workbook.xml.rels", _WORKBOOK_RELS)
        for name, chunks in (("xl/worksheets/sheet1.xml", sheet_chunks), ("xl/sharedStrings.xml", shared_chunks)):
            with zf.open(name, "w", force_zip64=True) as part:
                for chunk in chunks:
                    part.write(chunk.encode())
        for i in range(extra):
            zf.writestr(f"xl/media/pad{i}.xml", "<x/>")
    return out.getvalue()


def _header_sheet(rows: Iterator[str] = iter(())) -> Iterator[str]:
    yield _SHEET_START
    yield _inline_row(1, HEADER.split(","))
    yield from rows
    yield _SHEET_END


def _shared_strings(count: int, text: str = "党员姓名" * 4) -> Iterator[str]:
    yield '<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    block = f"<si><t>{text}</t></si>" * 1000
    for _ in range(count // 1000):
        yield block
    yield "</sst>"


@pytest.fixture
def admin(http: httpx.Client) -> dict[str, str]:
    return login(http, username_of(make_user(Role.admin)))


def _import(
    server: LiveServer, http: httpx.Client, headers: dict[str, str], content: bytes, name: str
) -> tuple[httpx.Response, float]:
    """The answer, and the server's CPU seconds spent on it."""
    started = server.cpu_seconds()
    response = http.post(
        "members/import?dry_run=true", files={"file": (name, content)}, headers=headers, timeout=QUICK_SECONDS * 6
    )
    return response, server.cpu_seconds() - started


def _assert_still_responsive(http: httpx.Client) -> None:
    started = time.monotonic()
    assert http.get("health").status_code == 200
    assert time.monotonic() - started < 2


def test_shared_strings_bomb_is_refused_from_the_zip_directory(
    server: LiveServer, http: httpx.Client, admin: dict[str, str]
) -> None:
    # ~300 MB of shared strings (the attack's 464 MB, scaled to keep the test quick) in a small file.
    bomb = _xlsx(_header_sheet(), _shared_strings(6_000_000))
    assert len(bomb) < 2 * 1024 * 1024
    response, elapsed = _import(server, http, admin, bomb, "bomb.xlsx")
    body = assert_problem(response, 422, "import_too_large")
    assert "解压后" in body["detail"]
    assert elapsed < QUICK_SECONDS
    _assert_still_responsive(http)


def test_a_highly_compressed_part_is_refused_by_its_ratio(
    server: LiveServer, http: httpx.Client, admin: dict[str, str]
) -> None:
    # 8 MB of shared strings: under the size limits, but compressed over 500 times.
    bomb = _xlsx(_header_sheet(), _shared_strings(160_000, "a" * 32))
    response, _elapsed = _import(server, http, admin, bomb, "ratio.xlsx")
    body = assert_problem(response, 422, "import_too_large")
    assert "压缩比" in body["detail"]


def test_a_zip_of_thousands_of_entries_is_refused(
    server: LiveServer, http: httpx.Client, admin: dict[str, str]
) -> None:
    many = _xlsx(_header_sheet(), _shared_strings(0), extra=5000)
    response, _elapsed = _import(server, http, admin, many, "entries.xlsx")
    body = assert_problem(response, 422, "import_too_large")
    assert "文件数" in body["detail"]


def test_a_million_blank_rows_stop_at_the_row_cap(
    server: LiveServer, http: httpx.Client, admin: dict[str, str]
) -> None:
    # As Excel writes rows that were formatted but left empty: 1,000,000 of them, ~30 MB unpacked.
    blank_rows = (f'<row r="{line}" spans="1:11"/>' for line in range(2, 1_000_002))
    sheet = _xlsx(_header_sheet(blank_rows), _shared_strings(0))
    response, elapsed = _import(server, http, admin, sheet, "blank.xlsx")
    assert_problem(response, 422, "too_many_rows")
    assert elapsed < QUICK_SECONDS
    _assert_still_responsive(http)


def test_one_cell_a_million_rows_down_is_refused_too(
    server: LiveServer, http: httpx.Client, admin: dict[str, str]
) -> None:
    # openpyxl fills the gap with empty rows: a tiny file that reads as a million lines.
    sheet = _xlsx(_header_sheet(iter([_inline_row(1_048_576, ["张三"])])), _shared_strings(0))
    response, elapsed = _import(server, http, admin, sheet, "far.xlsx")
    assert_problem(response, 422, "too_many_rows")
    assert elapsed < QUICK_SECONDS


def test_csv_blank_lines_count_against_the_row_cap(
    server: LiveServer, http: httpx.Client, admin: dict[str, str]
) -> None:
    content = (HEADER + "\n" + ",,,,\n" * 150_000).encode("utf-8-sig")
    response, elapsed = _import(server, http, admin, content, "blank.csv")
    assert_problem(response, 422, "too_many_rows")
    assert elapsed < QUICK_SECONDS


def test_an_import_past_its_time_limit_stops_with_nothing_written(database_url: str) -> None:
    community = make_org("community")
    with (
        live_server({"GONGJIAN_IMPORT_TIMEOUT_SECONDS": "0.2"}) as base,
        httpx.Client(base_url=f"{base}/api/v1/", timeout=60) as http,
    ):
        admin = login(http, username_of(make_user(Role.admin)))
        code = http.get(f"organizations/{community}", headers=admin).json()["code"]
        lines = [f"党员{i},男,,,,离退休党员,,{code},,," for i in range(20_000)]
        content = "\n".join([HEADER, *lines]).encode("utf-8-sig")
        response = http.post("members/import", files={"file": ("slow.csv", content)}, headers=admin)
        body = assert_problem(response, 422, "import_timeout")
        assert "未导入" in body["detail"]
        listed = http.get(f"members?community_org_id={community}", headers=admin)
        assert listed.json()["total"] == 0
