"""The bulk import of members from an uploaded spreadsheet: all rows or none.

Every row runs the checks `create_member` runs (members/rules.py), with the rows' organisations
loaded in bulk; the answer lists every bad row (up to `MAX_LISTED_IMPORT_ERRORS`) by line and
column, so a person can fix the file in one go. The file is read and checked under a deadline
(`GONGJIAN_IMPORT_TIMEOUT_SECONDS`) in a read-only transaction, so other writers aren't held up
while it is checked.

Writing holds the database's write lock, and on SQLite that lock is the whole database's: one
transaction for 50,000 rows made every other write wait (and fail) for seconds. So rows are
written in chunks of `WRITE_CHUNK_ROWS`, each its own short transaction that first re-checks what a
concurrent write could have taken since the check (volunteer numbers), with a pause between
chunks so waiting writers get their turn. All or nothing is kept for the outcome: when a chunk
can't be written, the chunks already written are taken back (members and their cards deleted,
with `delete` audit events beside the `create` ones) and the answer says nothing was imported.
The trade-off: while an import runs (seconds), others can already see its first chunks, and a
process killed in the middle leaves the chunks written so far: complete members, each with its
card and audit events marked `source: import`.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any, Protocol, cast

from pydantic import ValidationError
from sqlalchemy import Table, delete, func, insert, or_, select
from sqlalchemy.orm import Session

from gongjian.cards import service as cards
from gongjian.db import unit_of_work
from gongjian.evaluation.syncing import sync_members
from gongjian.kit import audit
from gongjian.kit.access import require_admin_role
from gongjian.kit.errors import FieldError
from gongjian.kit.messages import message_for
from gongjian.kit.principal import Principal
from gongjian.members import permissions, spreadsheet
from gongjian.members.rules import MEMBER_FIELDS, OrgInfo, date_issues, load_orgs, placement_issues, row_values
from gongjian.members.schemas import ImportProblem, ImportResult, ImportRowError, MemberCreate
from gongjian.members.spreadsheet import Deadline, SheetRow
from gongjian.models import Card, Evaluation, Member, Organization
from gongjian.models.base import utcnow
from gongjian.models.enums import AuditAction, MemberCategory, OrganizationKind
from gongjian.organizations.permissions import partner_org_ids
from gongjian.settings import get_settings

logger = logging.getLogger("gongjian.members.importing")

# Rows listed in a rejected import's answer (the count covers all).
MAX_LISTED_IMPORT_ERRORS = 1000
_IN_CHUNKS = 5000
# One write transaction: ~50 ms of lock on SQLite, so a writer beside the import waits little.
WRITE_CHUNK_ROWS = 500
# Between chunks the import lets go of the lock for longer than SQLite's busy handler sleeps
# (100 ms at most), so a writer waiting in another process wakes while the lock is free.
PAUSE_BETWEEN_CHUNKS_SECONDS = 0.12
MEMBERS_TABLE = cast(Table, Member.__table__)

Valid = list[tuple[int, MemberCreate]]


class Fail(Protocol):
    """Adds one row error (line, column header, message, and the stable code when there is one)."""

    def __call__(self, line: int, column: str | None, message: str, code: str | None = None) -> None: ...


def import_upload(
    principal: Principal, content: bytes, filename: str | None, *, dry_run: bool
) -> ImportResult | ImportProblem:
    """Read and check the file, then (unless `dry_run`) write its rows in chunks, or none.

    Parsing and validating 10,000 rows is CPU work: callers run this in the thread pool.
    """
    deadline = Deadline(get_settings().import_timeout_seconds)
    rows = spreadsheet.read_upload(content, filename, deadline)
    columns = spreadsheet.FIELD_TO_HEADER
    with unit_of_work(write_lock=False) as session:
        checked = check_rows(session, principal, rows, columns, deadline)
    if isinstance(checked, tuple):
        return _rejected(*checked)
    if dry_run:
        return ImportResult(dry_run=True, total_rows=len(rows), created=0)
    refused = write_rows(principal, checked, columns)
    if refused is not None:
        return _rejected(*refused)
    return ImportResult(dry_run=False, total_rows=len(rows), created=len(checked))


def _rejected(listed: list[ImportRowError], error_count: int) -> ImportProblem:
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


def _collector() -> tuple[list[ImportRowError], Fail]:
    """A list of row errors and the function that adds one."""
    errors: list[ImportRowError] = []

    def fail(line: int, column: str | None, message: str, code: str | None = None) -> None:
        errors.append(ImportRowError(line=line, column=column, message=message, code=code))

    return errors, fail


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


def check_rows(
    session: Session,
    principal: Principal,
    rows: Sequence[SheetRow],
    columns: Mapping[str, str],
    deadline: Deadline,
) -> Valid | tuple[list[ImportRowError], int]:
    """Validate every row as `create_member` would: the rows to write, or the errors to list and
    how many there are in all. `columns` maps a field name to its column header, for the messages."""
    require_admin_role(principal, "只有平台管理员或党组织管理员可以导入党员")
    errors, fail = _collector()

    refs = {str(r.values[k]) for r in rows for k in ("unit_org", "community_org") if r.values.get(k)}
    org_ids = _resolve_org_refs(session, refs)
    orgs = load_orgs(session, org_ids.values())

    valid: Valid = []
    numbers: list[tuple[int, str]] = []
    for row in rows:
        deadline.check()
        data, numbered = _check_row(principal, row, columns, org_ids, orgs, fail)
        if numbered is not None:
            numbers.append((row.line, numbered))
        if data is not None:
            valid.append((row.line, data))

    _check_volunteer_numbers(session, numbers, columns, fail)
    if errors:
        # By line, and within a line in the file's column order (whole-row problems last).
        order = {header: i for i, header in enumerate(columns.values())}
        errors.sort(key=lambda e: (e.line, order.get(e.column or "", len(order))))
        return errors[:MAX_LISTED_IMPORT_ERRORS], len(errors)
    return valid


def _check_row(
    principal: Principal,
    row: SheetRow,
    columns: Mapping[str, str],
    org_ids: Mapping[str, int],
    orgs: Mapping[int, OrgInfo],
    fail: Fail,
) -> tuple[MemberCreate | None, str | None]:
    """Every problem of one row, in one pass: unreadable cells, unknown organisations, the fields'
    own rules, the placement and date rules on the fields that are fine, who may import it. A field
    already found wrong is not reported again by a later check (its cell said why).

    Answers the row ready to write (None when anything is wrong) and its volunteer number, when
    readable, for the file-wide uniqueness check."""
    bad: set[str] = set()
    found = 0

    def problem(field: str | None, message: str, code: str | None = None) -> None:
        nonlocal found
        found += 1
        header = columns.get(field.removesuffix("_id"), columns.get(field)) if field else None
        fail(row.line, header, message, code)
        if field:
            bad.add(field)

    for column, message in row.cell_errors:
        problem(spreadsheet.HEADER_TO_FIELD.get(column, column), message)
    values = dict(row.values)
    for ref_key, id_key in (("unit_org", "unit_org_id"), ("community_org", "community_org_id")):
        ref = values.pop(ref_key, None)
        if ref:
            if str(ref) not in org_ids:
                problem(id_key, f"找不到党组织“{ref}”（请填写简码或全称）")
            values[id_key] = org_ids.get(str(ref))
    # A cell found wrong while reading has no value to check; its missing value is no news.
    bad |= {spreadsheet.HEADER_TO_FIELD.get(c, c) for c, _ in row.cell_errors}
    data: MemberCreate | None = None
    try:
        data = MemberCreate.model_validate(values)
    except ValidationError as exc:
        for err in exc.errors():
            name = str(err["loc"][0]) if err["loc"] else ""
            if name not in bad and name.removesuffix("_id") not in bad:
                problem(name or None, message_for(err))
                bad.add(name)
    good = {k: v for k, v in values.items() if k not in bad and v is not None}
    if not {"category", "community_org_id", "unit_org_id"} & bad and "category" in good and "community_org_id" in good:
        category = MemberCategory(good["category"])
        for issue in placement_issues(principal, category, good.get("unit_org_id"), good["community_org_id"], orgs):
            problem(issue.field, issue.message, issue.code)
        if not found and not permissions.looks_after(principal, good.get("unit_org_id"), good["community_org_id"]):
            problem(None, "只能导入本组织（作为工作单位或报到社区）的党员")
    dates = [
        good.get(k) if isinstance(good.get(k), date) else None for k in ("birth_date", "joined_party_on", "reported_on")
    ]
    for issue in date_issues(*dates):
        problem(issue.field, issue.message, issue.code)
    number = good.get("volunteer_number") if "volunteer_number" not in bad else None
    return (data if not found else None), (number if isinstance(number, str) else None)


def write_rows(
    principal: Principal, valid: Valid, columns: Mapping[str, str]
) -> tuple[list[ImportRowError], int] | None:
    """Write the checked rows chunk by chunk; on any failure take back what was written.

    Answers the rows refused by a chunk's re-check (nothing is then left written), or None when
    every row is in. Any other failure (the database busy past its wait, ...) is raised once the
    written chunks are taken back.
    """
    written: list[int] = []
    try:
        for start in range(0, len(valid), WRITE_CHUNK_ROWS):
            if start:
                time.sleep(PAUSE_BETWEEN_CHUNKS_SECONDS)
            chunk = valid[start : start + WRITE_CHUNK_ROWS]
            errors, fail = _collector()
            with unit_of_work(write_lock=True) as session:
                numbered = [(line, d.volunteer_number) for line, d in chunk if d.volunteer_number is not None]
                _check_volunteer_numbers(session, numbered, columns, fail)
                if not errors:
                    written += _insert_members(session, principal, chunk)
            if errors:  # taken by a write since the check: out of this chunk's lock, undo the rest
                _take_back(principal, written)
                return errors[:MAX_LISTED_IMPORT_ERRORS], len(errors)
    except BaseException:
        _take_back(principal, written)
        raise
    return None


def _insert_members(session: Session, principal: Principal, chunk: Valid) -> list[int]:
    """Members, their audit events and their cards, with a few bulk statements."""
    ids = cards.allocate_ids(session, MEMBERS_TABLE, len(chunk))
    now = utcnow()
    member_rows = [
        {**row_values(data), "id": member_id, "created_at": now, "updated_at": now, "version": 1}
        for member_id, (_line, data) in zip(ids, chunk, strict=True)
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
            for member_id, (_line, data) in zip(ids, chunk, strict=True)
        ],
    )
    sync_members(session, ids)  # the open periods' evaluations of the in-service ones
    return ids


def _take_back(principal: Principal, member_ids: Sequence[int]) -> None:
    """Undo the chunks an unfinished import wrote: its members and their cards go, and the audit
    log keeps both their creation and their removal. Should that fail too (the database still
    busy, or a row already used by someone), the ids are logged for an operator."""
    if not member_ids:
        return
    try:
        for start in range(0, len(member_ids), WRITE_CHUNK_ROWS):
            chunk = list(member_ids[start : start + WRITE_CHUNK_ROWS])
            with unit_of_work(write_lock=True) as session:
                card_ids = list(session.scalars(select(Card.id).where(Card.member_id.in_(chunk))))
                session.execute(delete(Card).where(Card.id.in_(card_ids)))
                # Made with them when a period is open (nobody scored them in the meantime).
                session.execute(delete(Evaluation).where(Evaluation.member_id.in_(chunk)))
                session.execute(delete(Member).where(Member.id.in_(chunk)))
                reason = {"source": "import", "reason": "导入未完成，已撤回"}
                audit.record_many(session, principal, AuditAction.delete, "card", [(i, reason) for i in card_ids])
                audit.record_many(session, principal, AuditAction.delete, "member", [(i, reason) for i in chunk])
    except Exception:
        logger.exception("an unfinished member import could not be taken back; member ids %s", list(member_ids))


class _Snapshot:
    """Attribute access over a row dict, for `audit.snapshot`."""

    def __init__(self, values: Mapping[str, Any]) -> None:
        self._values = values

    def __getattr__(self, name: str) -> Any:
        return self._values.get(name)


def _check_volunteer_numbers(
    session: Session, numbers: Sequence[tuple[int, str]], columns: Mapping[str, str], fail: Fail
) -> None:
    """(line, number) pairs: each number once in the file, and none another member already has."""
    column = columns["volunteer_number"]
    seen: dict[str, int] = {}
    for line, number in numbers:
        if number in seen:
            fail(line, column, f"志愿者编号“{number}”与第 {seen[number]} 行重复")
        else:
            seen[number] = line
    distinct = sorted(seen)
    taken: set[str] = set()
    for start in range(0, len(distinct), _IN_CHUNKS):
        chunk = distinct[start : start + _IN_CHUNKS]
        taken.update(session.scalars(select(Member.volunteer_number).where(Member.volunteer_number.in_(chunk))))
    for number in sorted(taken):
        fail(seen[number], column, f"志愿者编号“{number}”已被其他党员使用")


# Organisation names a template's drop-downs offer at most (Excel lists read a range; beyond this a
# name is still typed by hand and checked on import).
MAX_TEMPLATE_ORGS = 5000


def template_choices(principal: Principal) -> spreadsheet.TemplateChoices:
    """The live organisations the caller may name in an import, scoped in the query: every one for a
    platform admin; its own and its partners' for an organisation's admin; none for anyone else."""
    stmt = select(Organization.kind, Organization.name).where(Organization.archived_at.is_(None))
    if not principal.is_admin:
        if not principal.is_org_admin or principal.organization_id is None:
            return spreadsheet.TemplateChoices([], [])
        own = principal.organization_id
        stmt = stmt.where(or_(Organization.id == own, Organization.id.in_(partner_org_ids(own))))
    with unit_of_work(write_lock=False) as session:
        rows = session.execute(stmt.order_by(Organization.name).limit(MAX_TEMPLATE_ORGS)).all()
    units = [r.name for r in rows if r.kind in (OrganizationKind.unit.value, OrganizationKind.social.value)]
    communities = [r.name for r in rows if r.kind == OrganizationKind.community.value]
    return spreadsheet.TemplateChoices(units, communities)
