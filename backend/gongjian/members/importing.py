"""The bulk import of members from an uploaded spreadsheet: all rows or none.

Every row runs the checks `create_member` runs (members/rules.py), with the rows' organisations
loaded in bulk; the answer lists every bad row (up to `MAX_LISTED_IMPORT_ERRORS`) by line and
column, so a person can fix the file in one go. When all rows pass, members, their audit events
and their cards are written with a few bulk statements.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, cast

from pydantic import ValidationError
from sqlalchemy import Table, func, insert, or_, select
from sqlalchemy.orm import Session

from gongjian.cards import service as cards
from gongjian.db import unit_of_work
from gongjian.kit import audit
from gongjian.kit.access import require_admin_role
from gongjian.kit.errors import FieldError
from gongjian.kit.messages import message_for
from gongjian.kit.principal import Principal
from gongjian.members import permissions, spreadsheet
from gongjian.members.rules import MEMBER_FIELDS, date_issues, load_orgs, placement_issues, row_values
from gongjian.members.schemas import ImportProblem, ImportResult, ImportRowError, MemberCreate
from gongjian.members.spreadsheet import SheetRow
from gongjian.models import Member, Organization
from gongjian.models.base import utcnow
from gongjian.models.enums import AuditAction

# Rows listed in a rejected import's answer (the count covers all).
MAX_LISTED_IMPORT_ERRORS = 1000
_IN_CHUNKS = 5000
MEMBERS_TABLE = cast(Table, Member.__table__)


def import_upload(
    principal: Principal, content: bytes, filename: str | None, *, dry_run: bool
) -> ImportResult | ImportProblem:
    """Read the file, then validate (and unless `dry_run`, write) its rows in one transaction.

    Parsing and validating 10,000 rows is CPU work: callers run this in the thread pool.
    """
    rows = spreadsheet.read_upload(content, filename)
    with unit_of_work(write_lock=not dry_run) as session:
        outcome = import_members(session, principal, rows, spreadsheet.FIELD_TO_HEADER, dry_run=dry_run)
    if isinstance(outcome, ImportResult):
        return outcome
    listed, error_count = outcome
    return ImportProblem(
        type="urn:gongjian:problem:import_rejected",
        title="请求内容无效",
        status=422,
        detail=f"导入未执行：共 {error_count} 处错误，请改正后重新上传",
        code="import_rejected",
        errors=[
            FieldError(field=f"file.line{r.line}" + (f".{r.column}" if r.column else ""), message=r.message)
            for r in listed
        ],
        rows=listed,
        error_count=error_count,
    )


def _resolve_org_refs(session: Session, refs: set[str]) -> dict[str, int]:
    """Organisation code (any case) or full name → id, looked up in bulk."""
    found: dict[str, int] = {}
    if not refs:
        return found
    by_code: dict[str, int] = {}
    by_name: dict[str, int] = {}
    ref_list = sorted(refs)
    for start in range(0, len(ref_list), _IN_CHUNKS):
        chunk = ref_list[start : start + _IN_CHUNKS]
        lowered = [r.lower() for r in chunk]
        for row in session.execute(
            select(Organization.id, Organization.code, Organization.name).where(
                or_(func.lower(Organization.code).in_(lowered), Organization.name.in_(chunk))
            )
        ):
            by_code[row.code.lower()] = row.id
            by_name[row.name] = row.id
    for ref in refs:
        org_id = by_code.get(ref.lower(), by_name.get(ref))
        if org_id is not None:
            found[ref] = org_id
    return found


def import_members(
    session: Session,
    principal: Principal,
    rows: Sequence[SheetRow],
    columns: Mapping[str, str],
    *,
    dry_run: bool,
) -> ImportResult | tuple[list[ImportRowError], int]:
    """Validate every row as `create_member` would; write all of them, or none and say why.

    `columns` maps a field name to its column header, for the messages. A rejected import answers
    the errors to list and how many there are in all.
    """
    require_admin_role(principal, "只有平台管理员或党组织管理员可以导入党员")
    errors: list[ImportRowError] = []

    def fail(line: int, column: str | None, message: str, code: str | None = None) -> None:
        errors.append(ImportRowError(line=line, column=column, message=message, code=code))

    refs = {str(r.values[k]) for r in rows for k in ("unit_org", "community_org") if r.values.get(k)}
    org_ids = _resolve_org_refs(session, refs)
    orgs = load_orgs(session, org_ids.values())

    valid: list[tuple[int, MemberCreate]] = []
    for row in rows:
        for column, message in row.cell_errors:
            fail(row.line, column, message)
        values = dict(row.values)
        unresolved = False
        for ref_key, id_key in (("unit_org", "unit_org_id"), ("community_org", "community_org_id")):
            ref = values.pop(ref_key, None)
            if ref:
                if str(ref) not in org_ids:
                    fail(row.line, columns[ref_key], f"找不到党组织“{ref}”（请填写简码或全称）")
                    unresolved = True
                values[id_key] = org_ids.get(str(ref))
        if row.cell_errors or unresolved:
            continue
        try:
            data = MemberCreate.model_validate(values)
        except ValidationError as exc:
            for err in exc.errors():
                name = str(err["loc"][0]) if err["loc"] else ""
                fail(row.line, columns.get(name.removesuffix("_id"), columns.get(name)), message_for(err))
            continue
        issues = placement_issues(
            principal, data.category, data.unit_org_id, data.community_org_id, orgs
        ) + date_issues(data.birth_date, data.joined_party_on, data.reported_on)
        for issue in issues:
            header = columns.get(issue.field.removesuffix("_id"), columns.get(issue.field))
            fail(row.line, header, issue.message, issue.code)
        if issues:
            continue
        if not permissions.looks_after(principal, data.unit_org_id, data.community_org_id):
            fail(row.line, None, "只能导入本组织（作为工作单位或报到社区）的党员")
            continue
        valid.append((row.line, data))

    _check_volunteer_numbers(session, valid, columns, fail)
    if errors:
        errors.sort(key=lambda e: e.line)
        return errors[:MAX_LISTED_IMPORT_ERRORS], len(errors)
    if dry_run:
        return ImportResult(dry_run=True, total_rows=len(rows), created=0)

    ids = cards.allocate_ids(session, MEMBERS_TABLE, len(valid))
    now = utcnow()
    member_rows = [
        {**row_values(data), "id": member_id, "created_at": now, "updated_at": now, "version": 1}
        for member_id, (_line, data) in zip(ids, valid, strict=True)
    ]
    session.execute(insert(MEMBERS_TABLE), member_rows)
    audit.record_many(
        session,
        principal,
        AuditAction.create,
        "member",
        [
            (member_id, {**audit.snapshot(_Snapshot(values), MEMBER_FIELDS), "source": "import"})
            for member_id, values in zip(ids, member_rows, strict=True)
        ],
    )
    cards.issue_cards(
        session,
        principal,
        [
            cards.CardRequest(member_id, data.category, data.community_org_id)
            for member_id, (_line, data) in zip(ids, valid, strict=True)
        ],
    )
    return ImportResult(dry_run=False, total_rows=len(rows), created=len(ids))


class _Snapshot:
    """Attribute access over a row dict, for `audit.snapshot`."""

    def __init__(self, values: Mapping[str, Any]) -> None:
        self._values = values

    def __getattr__(self, name: str) -> Any:
        return self._values.get(name)


def _check_volunteer_numbers(
    session: Session, valid: Sequence[tuple[int, MemberCreate]], columns: Mapping[str, str], fail: Any
) -> None:
    column = columns["volunteer_number"]
    seen: dict[str, int] = {}
    for line, data in valid:
        number = data.volunteer_number
        if number is None:
            continue
        if number in seen:
            fail(line, column, f"志愿者编号“{number}”与第 {seen[number]} 行重复")
        else:
            seen[number] = line
    numbers = sorted(seen)
    taken: set[str] = set()
    for start in range(0, len(numbers), _IN_CHUNKS):
        chunk = numbers[start : start + _IN_CHUNKS]
        taken.update(session.scalars(select(Member.volunteer_number).where(Member.volunteer_number.in_(chunk))))
    for number in sorted(taken):
        fail(seen[number], column, f"志愿者编号“{number}”已被其他党员使用")
