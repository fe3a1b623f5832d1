"""Members under dual management: row scoping, validation, audited writes, cards on the way.

Rules (issue 3; who-may-what in permissions.py):
- an `in_service` member has a unit organisation of kind `unit` and a community of kind
  `community`; the other categories need the community (and may name a unit or social organisation);
- phone numbers are stored encrypted and answered in full or masked by `sees_full_phone`;
- creating a member, or changing its category, issues the card of its category; the previous card
  is kept, closed;
- members are archived and restored, never deleted; an archived member is read-only.
The bulk import runs the same checks (`placement_issues`, `date_issues`, the link and uniqueness
rules) over every row with its organisations loaded in bulk, and writes all rows or none.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any, cast

from pydantic import ValidationError
from sqlalchemy import Select, Table, func, insert, or_, select
from sqlalchemy.orm import Session, joinedload

from gongjian.cards import service as cards
from gongjian.kit import audit
from gongjian.kit.errors import conflict, forbidden, not_found, unprocessable
from gongjian.kit.etag import check_if_match
from gongjian.kit.messages import message_for
from gongjian.kit.pagination import PageParams, fetch_page
from gongjian.kit.personal_data import decrypt, encrypt, mask_mobile
from gongjian.kit.principal import Principal
from gongjian.kit.sorting import LIKE_ESCAPE, apply_sort, like_pattern
from gongjian.members import permissions
from gongjian.members.schemas import (
    CommunityRecordCreate,
    CommunityRecordSort,
    ImportResult,
    ImportRowError,
    MemberCreate,
    MemberRead,
    MemberSort,
    MemberUpdate,
)
from gongjian.models import CommunityRecord, Member, Organization, User
from gongjian.models.base import utcnow
from gongjian.models.enums import AuditAction, MemberCategory, MemberStatus, OrganizationKind, Role, WebhookEventType
from gongjian.webhooks.outbox import emit

LABEL = "党员"
MEMBER_FIELDS = (
    "name",
    "gender",
    "birth_date",
    "phone_ciphertext",
    "joined_party_on",
    "category",
    "unit_org_id",
    "community_org_id",
    "reported_on",
    "skills",
    "volunteer_number",
    "status",
    "archived_at",
    "user_id",
)
PLACEMENT_FIELDS = frozenset({"category", "unit_org_id", "community_org_id"})
# Rows listed in a rejected import's answer (the count covers all).
MAX_LISTED_IMPORT_ERRORS = 1000
_IN_CHUNKS = 5000
MEMBERS_TABLE = cast(Table, Member.__table__)


@dataclass(frozen=True, slots=True)
class OrgInfo:
    id: int
    kind: str
    code: str
    name: str
    archived: bool


@dataclass(frozen=True, slots=True)
class Issue:
    """One broken rule: the field it concerns, a stable code and a Chinese message."""

    field: str
    code: str
    message: str


def _raise_first(issues: Sequence[Issue]) -> None:
    if issues:
        first = issues[0]
        raise unprocessable(first.code, first.message, field=f"body.{first.field}")


# --- reading -------------------------------------------------------------------------------------


def readable_members(principal: Principal) -> Select[Any]:
    return (
        select(Member)
        .options(joinedload(Member.unit_org), joinedload(Member.community_org))
        .where(permissions.visible_members(principal))
    )


def _filtered(
    principal: Principal,
    *,
    category: MemberCategory | None,
    unit_org_id: int | None,
    community_org_id: int | None,
    status: MemberStatus | None,
    q: str | None,
    sort: MemberSort,
) -> Select[Any]:
    stmt = readable_members(principal)
    if category is not None:
        stmt = stmt.where(Member.category == category.value)
    if unit_org_id is not None:
        stmt = stmt.where(Member.unit_org_id == unit_org_id)
    if community_org_id is not None:
        stmt = stmt.where(Member.community_org_id == community_org_id)
    if status is not None:
        stmt = stmt.where(Member.status == status.value)
    if q:
        stmt = stmt.where(Member.name.like(like_pattern(q), escape=LIKE_ESCAPE))
    columns = {
        "name": Member.name,
        "joined_party_on": Member.joined_party_on,
        "reported_on": Member.reported_on,
        "id": Member.id,
    }
    return apply_sort(stmt, sort.value, columns, Member.id)


def list_members(session: Session, principal: Principal, params: PageParams, **filters: Any) -> tuple[list[Any], int]:
    rows, total = fetch_page(session, _filtered(principal, **filters), params)
    return [to_read(principal, m) for m in rows], total


def export_members(session: Session, principal: Principal, **filters: Any) -> list[MemberRead]:
    """Every member the list would show with these filters, in its order (no pages)."""
    return [to_read(principal, m) for m in session.execute(_filtered(principal, **filters)).scalars()]


def get_member(session: Session, principal: Principal, member_id: int) -> Member:
    member = session.execute(readable_members(principal).where(Member.id == member_id)).scalar_one_or_none()
    if member is None:
        raise not_found(LABEL)
    return member  # type: ignore[no-any-return]


def phone_of(member: Member) -> str | None:
    return decrypt(member.phone_ciphertext) if member.phone_ciphertext else None


def to_read(principal: Principal, member: Member) -> MemberRead:
    phone = phone_of(member)
    masked = phone is not None and not permissions.sees_full_phone(principal, member)
    data = {name: getattr(member, name) for name in MemberRead.model_fields if hasattr(member, name)}
    data.update(phone=mask_mobile(phone) if masked and phone else phone, phone_masked=masked)
    return MemberRead.model_validate(data, from_attributes=True)


# --- rules shared by the API and the import ----------------------------------------------------


def load_orgs(session: Session, ids: Iterable[int | None]) -> dict[int, OrgInfo]:
    wanted = sorted({i for i in ids if i is not None})
    if not wanted:
        return {}
    rows = session.execute(
        select(
            Organization.id, Organization.kind, Organization.code, Organization.name, Organization.archived_at
        ).where(Organization.id.in_(wanted))
    ).all()
    return {r.id: OrgInfo(r.id, r.kind, r.code, r.name, r.archived_at is not None) for r in rows}


def placement_issues(
    category: MemberCategory, unit_org_id: int | None, community_org_id: int, orgs: Mapping[int, OrgInfo]
) -> list[Issue]:
    issues: list[Issue] = []
    community = orgs.get(community_org_id)
    if community is None or community.archived:
        issues.append(Issue("community_org_id", "organization_not_found", "报到社区不存在或已归档"))
    elif community.kind != OrganizationKind.community.value:
        issues.append(Issue("community_org_id", "wrong_organization_kind", "报到社区必须是社区党组织"))
    if unit_org_id is None:
        if category is MemberCategory.in_service:
            issues.append(Issue("unit_org_id", "unit_required", "在职党员必须填写工作单位党组织（驻区单位）"))
        return issues
    unit = orgs.get(unit_org_id)
    if unit is None or unit.archived:
        issues.append(Issue("unit_org_id", "organization_not_found", "工作单位党组织不存在或已归档"))
    elif category is MemberCategory.in_service and unit.kind != OrganizationKind.unit.value:
        issues.append(Issue("unit_org_id", "wrong_organization_kind", "在职党员的工作单位必须是驻区单位党组织"))
    elif unit.kind not in (OrganizationKind.unit.value, OrganizationKind.social.value):
        issues.append(Issue("unit_org_id", "wrong_organization_kind", "工作单位必须是驻区单位或社会组织"))
    return issues


def date_issues(birth_date: date | None, joined_party_on: date | None, reported_on: date | None) -> list[Issue]:
    today = date.today() + timedelta(days=1)  # slack for time zones
    issues: list[Issue] = []
    for name, value, label in (
        ("birth_date", birth_date, "出生日期"),
        ("joined_party_on", joined_party_on, "入党日期"),
        ("reported_on", reported_on, "报到日期"),
    ):
        if value is not None and value > today:
            issues.append(Issue(name, "date_in_future", f"{label}不能晚于今天"))
    if birth_date is not None and joined_party_on is not None and joined_party_on <= birth_date:
        issues.append(Issue("joined_party_on", "invalid_dates", "入党日期必须晚于出生日期"))
    return issues


def _may_place(principal: Principal, unit_org_id: int | None, community_org_id: int) -> bool:
    """A non-admin creates (or moves) members only within its own organisation's reach."""
    return principal.is_admin or (
        principal.is_org_admin and principal.organization_id in (unit_org_id, community_org_id)
    )


def _ensure_volunteer_number_free(session: Session, number: str, member_id: int | None) -> None:
    clash = select(Member.id).where(Member.volunteer_number == number, Member.id != (member_id or 0))
    if session.execute(clash).first():
        raise conflict("volunteer_number_taken", f"志愿者编号“{number}”已被其他党员使用")


def _check_user_link(
    session: Session, user_id: int, unit_org_id: int | None, community_org_id: int, member_id: int | None
) -> None:
    user = session.get(User, user_id)
    if user is None or user.role != Role.member.value or user.organization_id not in (unit_org_id, community_org_id):
        raise unprocessable(
            "invalid_user_link", "关联账号须是该党员所在单位或社区的“党员”角色账号", field="body.user_id"
        )
    clash = session.execute(select(Member.id).where(Member.user_id == user_id, Member.id != (member_id or 0))).first()
    if clash:
        raise conflict("user_already_linked", "该账号已关联其他党员")


def _row_values(data: MemberCreate) -> dict[str, Any]:
    values = data.model_dump(exclude={"phone"})
    values.update(
        category=data.category.value,
        gender=data.gender.value,
        phone_ciphertext=encrypt(data.phone) if data.phone else None,
        status=MemberStatus.active.value,
    )
    return values


# --- writing -------------------------------------------------------------------------------------


def create_member(session: Session, principal: Principal, data: MemberCreate) -> Member:
    if not (principal.is_admin or principal.is_org_admin):
        raise forbidden("只有平台管理员或党组织管理员可以登记党员")
    orgs = load_orgs(session, [data.unit_org_id, data.community_org_id])
    _raise_first(
        placement_issues(data.category, data.unit_org_id, data.community_org_id, orgs)
        + date_issues(data.birth_date, data.joined_party_on, data.reported_on)
    )
    if not _may_place(principal, data.unit_org_id, data.community_org_id):
        raise forbidden("只能登记本组织（作为工作单位或报到社区）的党员")
    if data.volunteer_number:
        _ensure_volunteer_number_free(session, data.volunteer_number, None)
    if data.user_id is not None:
        _check_user_link(session, data.user_id, data.unit_org_id, data.community_org_id, None)
    member = Member(**_row_values(data))
    session.add(member)
    session.flush()
    audit.record(session, principal, AuditAction.create, "member", member.id, audit.snapshot(member, MEMBER_FIELDS))
    cards.issue_cards(session, principal, [cards.CardRequest(member.id, data.category, data.community_org_id)])
    return get_member(session, principal, member.id)


def update_member(
    session: Session, principal: Principal, member_id: int, data: MemberUpdate, if_match: str | None
) -> Member:
    member = get_member(session, principal, member_id)
    manager = permissions.manages(principal, member)
    if not (manager or permissions.is_org_admin_of(principal, member)):
        raise forbidden("只有平台管理员或该党员所在组织的管理员可以修改")
    if member.status == MemberStatus.archived.value:
        raise conflict("member_archived", "党员已归档，恢复后才能修改")
    check_if_match(if_match, member.version)
    changes: dict[str, Any] = data.model_dump(exclude_unset=True)
    if not manager:
        outside = sorted(changes.keys() - permissions.COMMUNITY_SIDE_FIELDS)
        if outside:
            raise forbidden("社区只能修改在职党员的报到日期、技能特长、志愿者编号和登录账号；其余信息由所在单位维护")

    category = MemberCategory(changes.get("category", member.category))
    unit_org_id = changes.get("unit_org_id", member.unit_org_id)
    community_org_id = changes.get("community_org_id", member.community_org_id)
    placement_changed = (category.value, unit_org_id, community_org_id) != (
        member.category,
        member.unit_org_id,
        member.community_org_id,
    )
    if placement_changed:
        orgs = load_orgs(session, [unit_org_id, community_org_id])
        _raise_first(placement_issues(category, unit_org_id, community_org_id, orgs))
        if not _may_place(principal, unit_org_id, community_org_id):
            raise forbidden("不能把党员转出本组织；组织关系转接请联系平台管理员")
    _raise_first(
        date_issues(
            changes.get("birth_date", member.birth_date),
            changes.get("joined_party_on", member.joined_party_on),
            changes.get("reported_on", member.reported_on),
        )
    )
    if changes.get("volunteer_number"):
        _ensure_volunteer_number_free(session, changes["volunteer_number"], member.id)
    user_id = changes.get("user_id", member.user_id)
    if user_id is not None and ("user_id" in changes or placement_changed):
        _check_user_link(session, user_id, unit_org_id, community_org_id, member.id)

    before = audit.snapshot(member, MEMBER_FIELDS)
    if "phone" in changes:
        phone = changes.pop("phone")
        if phone != phone_of(member):  # a fresh ciphertext of the same number is no change
            member.phone_ciphertext = encrypt(phone) if phone else None
    for name, value in changes.items():
        setattr(member, name, value.value if name in ("category", "gender") else value)
    if category.value != before["category"]:
        cards.close_open_card(session, principal, member.id)
        cards.issue_cards(session, principal, [cards.CardRequest(member.id, category, community_org_id)])
    audit.finish_update(session, principal, "member", member, before, MEMBER_FIELDS)
    session.expire(member)
    return get_member(session, principal, member.id)


def set_member_archived(session: Session, principal: Principal, member_id: int, archived: bool) -> Member:
    member = get_member(session, principal, member_id)
    if not permissions.manages(principal, member):
        raise forbidden("只有平台管理员或管理该党员的组织可以归档或恢复")
    if (member.status == MemberStatus.archived.value) == archived:
        raise conflict("already_archived" if archived else "not_archived", "党员已是该状态")
    before = audit.snapshot(member, MEMBER_FIELDS)
    member.status = (MemberStatus.archived if archived else MemberStatus.active).value
    member.archived_at = utcnow() if archived else None
    if archived:
        emit(
            session,
            WebhookEventType.member_archived,
            {
                "member_id": member.id,
                "community_org_id": member.community_org_id,
                "unit_org_id": member.unit_org_id,
                "archived_at": member.archived_at,
            },
        )
    audit.finish_update(
        session,
        principal,
        "member",
        member,
        before,
        MEMBER_FIELDS,
        action=AuditAction.archive if archived else AuditAction.restore,
    )
    return member


# --- community records ---------------------------------------------------------------------------


def list_community_records(
    session: Session,
    principal: Principal,
    member_id: int,
    params: PageParams,
    *,
    kind: Any,
    sort: CommunityRecordSort,
) -> tuple[list[CommunityRecord], int]:
    get_member(session, principal, member_id)
    stmt = select(CommunityRecord).where(CommunityRecord.member_id == member_id)
    if kind is not None:
        stmt = stmt.where(CommunityRecord.kind == kind.value)
    columns = {"occurred_on": CommunityRecord.occurred_on, "id": CommunityRecord.id}
    return fetch_page(session, apply_sort(stmt, sort.value, columns, CommunityRecord.id), params)


def get_community_record(session: Session, principal: Principal, member_id: int, record_id: int) -> CommunityRecord:
    get_member(session, principal, member_id)
    record = session.execute(
        select(CommunityRecord).where(CommunityRecord.id == record_id, CommunityRecord.member_id == member_id)
    ).scalar_one_or_none()
    if record is None:
        raise not_found("在社区表现记录")
    return record


def add_community_record(
    session: Session, principal: Principal, member_id: int, data: CommunityRecordCreate
) -> CommunityRecord:
    member = get_member(session, principal, member_id)
    if not permissions.may_write_community_records(principal, member):
        raise forbidden("在社区表现记录由党员报到社区的管理员填写")
    if member.status == MemberStatus.archived.value:
        raise conflict("member_archived", "党员已归档，不能再记录")
    _raise_first(
        [Issue("occurred_on", "date_in_future", "日期不能晚于今天")]
        if data.occurred_on > date.today() + timedelta(days=1)
        else []
    )
    record = CommunityRecord(
        member_id=member.id,
        community_org_id=member.community_org_id,
        occurred_on=data.occurred_on,
        kind=data.kind.value,
        description=data.description,
        recorded_by_name=principal.name,
        recorded_by_type=principal.actor_type.value,
        recorded_by_id=principal.id or None,
    )
    session.add(record)
    session.flush()
    audit.record(
        session,
        principal,
        AuditAction.create,
        "community_record",
        record.id,
        {"member_id": member.id, "kind": record.kind, "occurred_on": data.occurred_on.isoformat()},
    )
    return record


# --- bulk import ---------------------------------------------------------------------------------


@dataclass
class SheetRow:
    """One data row of an import file: its line, and its cells keyed by MemberCreate field, with
    organisation references still as written (`unit_org` / `community_org`: a code or a name)."""

    line: int
    values: dict[str, Any]
    # Problems found while reading the cells (column header, message).
    cell_errors: list[tuple[str, str]] = field(default_factory=list)


@dataclass
class ImportRejected:
    rows: list[ImportRowError]
    error_count: int


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
) -> ImportResult | ImportRejected:
    """Validate every row as `create_member` would; write all of them, or none and say why.

    `columns` maps a field name to its column header, for the messages.
    """
    if not (principal.is_admin or principal.is_org_admin):
        raise forbidden("只有平台管理员或党组织管理员可以导入党员")
    errors: list[ImportRowError] = []

    def fail(line: int, column: str | None, message: str) -> None:
        errors.append(ImportRowError(line=line, column=column, message=message))

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
        issues = placement_issues(data.category, data.unit_org_id, data.community_org_id, orgs) + date_issues(
            data.birth_date, data.joined_party_on, data.reported_on
        )
        for issue in issues:
            fail(row.line, columns.get(issue.field.removesuffix("_id"), columns.get(issue.field)), issue.message)
        if issues:
            continue
        if not _may_place(principal, data.unit_org_id, data.community_org_id):
            fail(row.line, None, "只能导入本组织（作为工作单位或报到社区）的党员")
            continue
        valid.append((row.line, data))

    _check_volunteer_numbers(session, valid, columns, fail)
    if errors:
        errors.sort(key=lambda e: e.line)
        return ImportRejected(errors[:MAX_LISTED_IMPORT_ERRORS], len(errors))
    if dry_run:
        return ImportResult(dry_run=True, total_rows=len(rows), created=0)

    ids = cards.allocate_ids(session, MEMBERS_TABLE, len(valid))
    now = utcnow()
    member_rows = [
        {**_row_values(data), "id": member_id, "created_at": now, "updated_at": now, "version": 1}
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
