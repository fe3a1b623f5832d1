"""Bulk import (all rows or none, each bad row named) and export of members."""

from __future__ import annotations

import csv
import io

from fastapi.testclient import TestClient
from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select

from factories import api_key_headers, assert_problem, headers_for, make_member, make_org
from factories.members import MASKED, PHONE, make_world
from gongjian.db import unit_of_work
from gongjian.models import Card, Member
from gongjian.models.enums import Role

HEADER = [
    "姓名",
    "性别",
    "出生日期",
    "手机号码",
    "入党日期",
    "党员类别",
    "工作单位党组织",
    "报到社区",
    "报到日期",
    "技能特长",
    "志愿者编号",
]


def _count(model: type) -> int:
    with unit_of_work() as session:
        return session.execute(select(func.count()).select_from(model)).scalar_one()


def _csv(rows: list[list[str]], header: list[str] = HEADER, encoding: str = "utf-8-sig") -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode(encoding)


def _codes(client: TestClient, admin: dict[str, str], *org_ids: int) -> list[str]:
    return [client.get(f"organizations/{o}", headers=admin).json()["code"] for o in org_ids]


def _upload(client: TestClient, headers: dict[str, str], content: bytes, name: str = "members.csv", query: str = ""):  # type: ignore[no-untyped-def]
    return client.post(f"members/import{query}", files={"file": (name, content)}, headers=headers)


def test_template_has_the_chinese_headers(client: TestClient) -> None:
    admin = headers_for(client, Role.admin)
    xlsx = client.get("members/import-template", headers=admin)
    assert xlsx.status_code == 200
    assert xlsx.headers["content-type"].startswith("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    assert "attachment" in xlsx.headers["content-disposition"]
    book = load_workbook(io.BytesIO(xlsx.content))
    assert [c.value for c in book.worksheets[0][1]] == HEADER
    assert book.sheetnames == ["党员", "说明", "选项"]
    as_csv = client.get("members/import-template?format=csv", headers=admin)
    assert as_csv.headers["content-type"].startswith("text/csv")
    assert as_csv.content.decode("utf-8-sig").splitlines()[0] == ",".join(HEADER)


def test_template_has_an_example_row_and_drop_downs_of_what_the_caller_may_name(client: TestClient) -> None:
    unit = make_org("unit", name="黄石市中级人民法院机关党委")
    community = make_org("community", name="老虎头社区党委")
    make_org("community", name="别的社区党委")
    from factories import make_partnership

    make_partnership(unit, community)
    lht = headers_for(client, Role.community_admin, community)
    book = load_workbook(io.BytesIO(client.get("members/import-template", headers=lht).content))
    members, options = book["党员"], book["选项"]
    example = [c.value for c in members[2]]
    assert example[0] == "【示例】张红" and example[1] == "女" and example[5] == "在职党员"
    assert example[6] == "黄石市中级人民法院机关党委" and example[7] == "老虎头社区党委"
    assert options.sheet_state == "hidden"
    lists = {
        options.cell(1, col).value: [options.cell(r, col).value for r in range(2, options.max_row + 1)]
        for col in range(1, 5)
    }
    # The caller's own community and its partner unit; not a community it has nothing to do with.
    assert lists == {
        "性别": ["男", "女", None, None, None],
        "党员类别": ["在职党员", "离退休党员", "失业党员", "流动党员", "“两新”组织党员"],
        "工作单位党组织": ["黄石市中级人民法院机关党委", None, None, None, None],
        "报到社区": ["老虎头社区党委", None, None, None, None],
    }
    checks = {str(v.sqref): (v.type, v.formula1) for v in members.data_validations.dataValidation}
    assert checks == {
        "B2:B5001": ("list", "'选项'!$A$2:$A$3"),
        "F2:F5001": ("list", "'选项'!$B$2:$B$6"),
        "G2:G5001": ("list", "'选项'!$C$2:$C$2"),
        "H2:H5001": ("list", "'选项'!$D$2:$D$2"),
    }
    # The template as downloaded imports nothing: its example row is skipped, not imported.
    filled = client.get("members/import-template", headers=lht).content
    dry = _upload(client, lht, filled, name="党员导入模板.xlsx", query="?dry_run=true")
    assert dry.status_code == 200, dry.text
    assert dry.json()["total_rows"] == 0


def test_csv_import_creates_every_row_with_its_card(client: TestClient) -> None:
    admin = headers_for(client, Role.admin)
    unit, community = make_org("unit"), make_org("community")
    unit_code, community_code = _codes(client, admin, unit, community)
    community_name = client.get(f"organizations/{community}", headers=admin).json()["name"]
    rows = [
        [
            "张三",
            "男",
            "1980/5/4",
            "13812345678",
            "2005年7月1日",
            "在职党员",
            unit_code,
            community_code,
            "2017-03-01",
            "法律咨询、书法",
            "V-1",
        ],
        ["李四", "女", "", "", "", "离退休党员", "", community_name.upper(), "", "", ""],
        ["", "", "", "", "", "", "", "", "", "", ""],  # blank lines are skipped
        [
            "王五",
            "female",
            "1990-01-02",
            "+86 139 0000 1111",
            "",
            "“两新”组织党员",
            "",
            community_code.lower(),
            "",
            "",
            "",
        ],
    ]
    response = _upload(client, admin, _csv(rows))
    assert response.status_code == 200, response.text
    assert response.json() == {"dry_run": False, "total_rows": 3, "created": 3}
    members = client.get("members?sort=id", headers=admin).json()["items"]
    assert [m["name"] for m in members] == ["张三", "李四", "王五"]
    first = members[0]
    assert first["birth_date"] == "1980-05-04" and first["joined_party_on"] == "2005-07-01"
    assert first["skills"] == ["法律咨询", "书法"] and first["unit_org"]["id"] == unit and first["phone"] == PHONE
    assert members[2]["phone"] == "13900001111" and members[2]["category"] == "two_new"
    cards = [client.get(f"members/{m['id']}/cards", headers=admin).json()["items"][0]["card_type"] for m in members]
    assert cards == ["contact", "points", "communication"]


def test_one_bad_row_imports_nothing_and_is_named(client: TestClient) -> None:
    admin = headers_for(client, Role.admin)
    unit, community = make_org("unit"), make_org("community")
    unit_code, community_code = _codes(client, admin, unit, community)
    good = ["张三", "男", "", "", "", "在职党员", unit_code, community_code, "", "", ""]
    rows = [good] * 5 + [["李四", "女", "", "12345", "", "离退休党员", "", community_code, "", "", ""]] + [good] * 3
    response = _upload(client, admin, _csv(rows))
    body = assert_problem(response, 422, "import_rejected")
    assert body["rows"] == [{"line": 7, "column": "手机号码", "message": body["rows"][0]["message"], "code": None}]
    assert "手机号码格式不正确" in body["rows"][0]["message"] and body["error_count"] == 1
    assert body["errors"][0]["field"] == "file.line7.手机号码"
    assert _count(Member) == 0 and _count(Card) == 0


def test_every_kind_of_row_error_is_reported_with_its_line(client: TestClient) -> None:
    admin = headers_for(client, Role.admin)
    unit, community = make_org("unit"), make_org("community")
    unit_code, community_code = _codes(client, admin, unit, community)
    make_member(community, volunteer_number="TAKEN")
    rows = [
        ["甲", "男", "", "", "", "在职党员", "", community_code, "", "", ""],  # 2: no unit
        ["乙", "未知", "", "", "", "学生党员", unit_code, community_code, "", "", ""],  # 3: gender, category
        ["丙", "男", "2017-13-01", "", "", "离退休党员", "", "NOPE", "", "", ""],  # 4: date, organisation
        ["丁", "男", "", "", "", "在职党员", community_code, unit_code, "", "", "V-1"],  # 5: kinds
        ["戊", "男", "", "", "", "离退休党员", "", community_code, "", "", "V-2"],  # 6
        ["己", "男", "", "", "", "离退休党员", "", community_code, "", "", "V-2"],  # 7: duplicate in file
        ["庚", "男", "", "", "", "离退休党员", "", community_code, "", "", "TAKEN"],  # 8: taken
        ["辛" * 60, "男", "", "", "", "离退休党员", "", community_code, "", "", ""],  # 9: too long
    ]
    body = assert_problem(_upload(client, admin, _csv(rows)), 422, "import_rejected")
    found = {(r["line"], r["column"]) for r in body["rows"]}
    assert found == {
        (2, "工作单位党组织"),
        (3, "性别"),
        (3, "党员类别"),
        (4, "出生日期"),
        (4, "报到社区"),
        (5, "工作单位党组织"),
        (5, "报到社区"),
        (7, "志愿者编号"),
        (8, "志愿者编号"),
        (9, "姓名"),
    }
    assert body["error_count"] == len(found)
    assert all(r["message"] for r in body["rows"])
    assert _count(Member) == 1


def _xlsx(rows: list[list[str]]) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.append(HEADER)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_every_problem_of_every_row_in_one_pass(client: TestClient) -> None:
    """Format and rules together: a row with an unreadable cell still has its other fields' rules
    checked, so fixing the file takes one round, not one per kind of check."""
    admin = headers_for(client, Role.admin)
    unit, community = make_org("unit"), make_org("community")
    unit_code, community_code = _codes(client, admin, unit, community)
    rows = [
        # 2: unreadable gender, and a birth date in the future, and an in-service member without unit
        ["甲", "男性", "2999-01-01", "", "", "在职党员", "", community_code, "", "", ""],
        # 3: a name too long, a bad phone, an unknown community, and a joining date before birth
        ["乙" * 60, "女", "1990-01-01", "123", "1980-01-01", "离退休党员", "", "不存在的社区", "", "", "V-9"],
        # 4: an unreadable date, a unit where the community goes, and the volunteer number of row 3
        ["丙", "女", "", "", "2017年13月1日", "在职党员", unit_code, unit_code, "", "", "V-9"],
    ]
    body = assert_problem(_upload(client, admin, _xlsx(rows), name="党员.xlsx"), 422, "import_rejected")
    found = sorted((r["line"], r["column"]) for r in body["rows"])
    assert found == sorted(
        [
            (2, "出生日期"),
            (2, "性别"),
            (2, "工作单位党组织"),
            (3, "入党日期"),
            (3, "姓名"),
            (3, "手机号码"),
            (3, "报到社区"),
            (4, "入党日期"),
            (4, "报到社区"),
            (4, "志愿者编号"),
        ]
    )
    assert body["error_count"] == 10
    messages = {(r["line"], r["column"]): r["message"] for r in body["rows"]}
    assert messages[(2, "出生日期")] == "出生日期不能晚于今天"
    assert messages[(3, "入党日期")] == "入党日期必须晚于出生日期"
    assert messages[(4, "志愿者编号")] == "志愿者编号“V-9”与第 3 行重复"
    assert _count(Member) == 0


def test_dry_run_validates_without_writing(client: TestClient) -> None:
    admin = headers_for(client, Role.admin)
    (community_code,) = _codes(client, admin, make_org("community"))
    rows = [["张三", "男", "", "", "", "离退休党员", "", community_code, "", "", ""]]
    response = _upload(client, admin, _csv(rows), query="?dry_run=true")
    assert response.json() == {"dry_run": True, "total_rows": 1, "created": 0}
    assert _count(Member) == 0
    bad = _upload(
        client, admin, _csv([["张三", "男", "", "", "", "离退休党员", "", "NOPE", "", "", ""]]), query="?dry_run=true"
    )
    assert assert_problem(bad, 422, "import_rejected")["rows"][0]["line"] == 2


def test_xlsx_and_gbk_csv_imports(client: TestClient) -> None:
    admin = headers_for(client, Role.admin)
    (community_code,) = _codes(client, admin, make_org("community"))
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(HEADER)
    from datetime import date

    sheet.append(
        ["赵六", "男", date(1960, 3, 8), 13812345678, None, "离退休党员", None, community_code, None, "太极拳", None]
    )
    out = io.BytesIO()
    book.save(out)
    assert _upload(client, admin, out.getvalue(), name="名册.xlsx").json()["created"] == 1
    gbk = _csv([["钱七", "女", "", "", "", "失业党员", "", community_code, "", "", ""]], encoding="gb18030")
    assert _upload(client, admin, gbk).json()["created"] == 1
    members = client.get("members?sort=id", headers=admin).json()["items"]
    assert [(m["name"], m["birth_date"], m["phone"]) for m in members] == [
        ("赵六", "1960-03-08", PHONE),
        ("钱七", None, None),
    ]


def test_unreadable_files_and_headers(client: TestClient) -> None:
    admin = headers_for(client, Role.admin)
    assert_problem(_upload(client, admin, b"PK\x03\x04garbage", name="x.xlsx"), 422, "import_unreadable")
    assert_problem(_upload(client, admin, b"\xff\xfe\x00\x00\x81", name="x.csv"), 422, "import_unreadable")
    assert_problem(_upload(client, admin, b"", name="x.csv"), 422, "import_unreadable")
    assert_problem(_upload(client, admin, b"hello", name="x.pdf"), 422, "unsupported_file_type")
    wrong = _upload(client, admin, _csv([], header=["姓名", "性别", "昵称"]))
    body = assert_problem(wrong, 422, "import_bad_header")
    assert "党员类别" in body["detail"] and "昵称" in body["detail"]


def test_org_admins_import_only_their_own_members(client: TestClient) -> None:
    world = make_world()
    admin = headers_for(client, Role.admin)
    unit_code, other_unit_code, community_code = _codes(client, admin, world.unit, world.other_unit, world.community)
    unit_admin = headers_for(client, Role.unit_admin, world.unit)
    rows = [
        ["甲", "男", "", "", "", "在职党员", unit_code, community_code, "", "", ""],
        ["乙", "男", "", "", "", "在职党员", other_unit_code, community_code, "", "", ""],
    ]
    body = assert_problem(_upload(client, unit_admin, _csv(rows)), 422, "import_rejected")
    assert [r["line"] for r in body["rows"]] == [3]
    assert _upload(client, unit_admin, _csv(rows[:1])).json()["created"] == 1
    member = headers_for(client, Role.member, world.unit)
    assert_problem(_upload(client, member, _csv(rows[:1])), 403, "forbidden")


def test_export_with_filters_masks_for_api_keys_and_round_trips(client: TestClient) -> None:
    world = make_world()
    admin = headers_for(client, Role.admin)
    make_member(world.community, category="retired", name="李老")
    make_member(world.other_community, category="mobile", name="外人")
    exported = client.get(f"members/export?format=csv&community_org_id={world.community}&sort=name", headers=admin)
    assert exported.status_code == 200 and exported.headers["content-type"].startswith("text/csv")
    table = list(csv.reader(io.StringIO(exported.content.decode("utf-8-sig"))))
    assert table[0][1:12] == HEADER
    assert sorted(line[1] for line in table[1:]) == ["张红", "李老"]
    assert PHONE in exported.content.decode("utf-8-sig")

    as_xlsx = client.get("members/export?category=retired", headers=admin)
    sheet = load_workbook(io.BytesIO(as_xlsx.content)).worksheets[0]
    assert [row[1] for row in sheet.iter_rows(min_row=2, values_only=True)] == ["李老"]

    key = api_key_headers(client, admin, ["members:read"], organization_id=world.unit)
    masked = client.get("members/export?format=csv", headers=key).content.decode("utf-8-sig")
    assert MASKED in masked and PHONE not in masked and "李老" not in masked

    # An export is importable as it stands (export-only columns are ignored).
    retired_only = client.get("members/export?format=csv&category=retired", headers=admin).content
    assert _upload(client, admin, retired_only, query="?dry_run=true").json()["total_rows"] == 1


def test_a_chunk_that_cannot_be_written_takes_back_the_chunks_before_it(client: TestClient, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """A volunteer number taken by another write between the check and the write of its chunk:
    the chunks already written are deleted again (with delete audit events) and the row is named."""
    from gongjian.kit.principal import SYSTEM
    from gongjian.members import importing, spreadsheet
    from gongjian.models import AuditEvent

    monkeypatch.setattr(importing, "WRITE_CHUNK_ROWS", 2)
    monkeypatch.setattr(importing, "PAUSE_BETWEEN_CHUNKS_SECONDS", 0)
    community = make_org("community")
    admin = headers_for(client, Role.admin)
    (code,) = _codes(client, admin, community)
    content = _csv([[f"党员{i}", "男", "", "", "", "离退休党员", "", code, "", "", f"V-{i}"] for i in range(5)])
    deadline = spreadsheet.Deadline(60)
    rows = spreadsheet.read_upload(content, "m.csv", deadline)
    with unit_of_work(write_lock=False) as session:
        checked = importing.check_rows(session, SYSTEM, rows, spreadsheet.FIELD_TO_HEADER, deadline)
    assert isinstance(checked, list)
    make_member(community, volunteer_number="V-4")  # taken meanwhile: the third chunk's row
    members, cards = _count(Member), _count(Card)

    refused = importing.write_rows(SYSTEM, checked, spreadsheet.FIELD_TO_HEADER)

    assert refused is not None
    listed, count = refused
    assert count == 1 and listed[0].line == 6 and "已被其他党员使用" in listed[0].message
    assert (_count(Member), _count(Card)) == (members, cards)
    with unit_of_work() as session:
        taken_back = session.scalars(
            select(AuditEvent.entity_id).where(AuditEvent.entity == "member", AuditEvent.action == "delete")
        ).all()
    assert len(taken_back) == 4
