"""The checks a member must pass, shared by the API (create, update) and the bulk import.

- the placement: an `in_service` member has a unit organisation of kind `unit` and a community of
  kind `community`; the other categories need the community (and may name a unit or social
  organisation); each organisation must exist and be live; placed by an organisation's admin, the
  unit and the community must be partners (422 `no_partnership`, members/permissions.py says when);
- dates: none in the future; joining the party after birth;
- a volunteer number belongs to one member; a login is linked to at most one member, and only a
  `member`-role account of one of the member's two organisations.

The placement and date checks return every broken rule as an `Issue` rather than raising, so the
import can list all of a file's problems at once; the API raises the first (`raise_first`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from gongjian.kit.calendar import local_today
from gongjian.kit.errors import conflict, unprocessable
from gongjian.kit.personal_data import encrypt, phone_lookup
from gongjian.kit.principal import Principal
from gongjian.members import permissions
from gongjian.members.schemas import MemberCreate
from gongjian.models import Member, Organization, User
from gongjian.models.enums import MemberCategory, MemberStatus, OrganizationKind, Role
from gongjian.organizations.permissions import partner_pairs

NO_PARTNERSHIP = "工作单位与报到社区之间没有有效的共建关系，不能在两者之间登记或转移党员；如需转接请联系平台管理员"

# The fields a member's audit events record.
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


@dataclass(frozen=True, slots=True)
class OrgInfo:
    id: int
    kind: str
    code: str
    name: str
    archived: bool
    # The organisations among those loaded with which this one has a live partnership (共建).
    partners: frozenset[int] = frozenset()


@dataclass(frozen=True, slots=True)
class Issue:
    """One broken rule: the field it concerns, a stable code and a Chinese message."""

    field: str
    code: str
    message: str


def raise_first(issues: Sequence[Issue]) -> None:
    if issues:
        first = issues[0]
        raise unprocessable(first.code, first.message, field=f"body.{first.field}")


def load_orgs(session: Session, ids: Iterable[int | None]) -> dict[int, OrgInfo]:
    wanted = sorted({i for i in ids if i is not None})
    if not wanted:
        return {}
    rows = session.execute(
        select(
            Organization.id, Organization.kind, Organization.code, Organization.name, Organization.archived_at
        ).where(Organization.id.in_(wanted))
    ).all()
    partners: dict[int, set[int]] = {}
    for unit, community in partner_pairs(session, wanted):
        partners.setdefault(unit, set()).add(community)
        partners.setdefault(community, set()).add(unit)
    return {
        r.id: OrgInfo(r.id, r.kind, r.code, r.name, r.archived_at is not None, frozenset(partners.get(r.id, ())))
        for r in rows
    }


def placement_issues(
    principal: Principal,
    category: MemberCategory,
    unit_org_id: int | None,
    community_org_id: int,
    orgs: Mapping[int, OrgInfo],
) -> list[Issue]:
    """What is wrong with placing a member at (unit, community), as `principal` places it; `orgs`
    from `load_orgs` (with their partners)."""
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
    elif (
        not issues
        and permissions.placement_needs_partnership(principal, unit_org_id, community_org_id)
        and community_org_id not in unit.partners
    ):
        # Named on the field the caller filled in: the other organisation than its own.
        field = "unit_org_id" if principal.organization_id == community_org_id else "community_org_id"
        issues.append(Issue(field, "no_partnership", NO_PARTNERSHIP))
    return issues


def date_issues(birth_date: date | None, joined_party_on: date | None, reported_on: date | None) -> list[Issue]:
    today = local_today() + timedelta(days=1)  # slack for time zones
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


def ensure_volunteer_number_free(session: Session, number: str, member_id: int | None) -> None:
    clash = select(Member.id).where(Member.volunteer_number == number, Member.id != (member_id or 0))
    if session.execute(clash).first():
        raise conflict("volunteer_number_taken", f"志愿者编号“{number}”已被其他党员使用")


def check_user_link(
    session: Session, user_id: int, unit_org_id: int | None, community_org_id: int, member_id: int | None
) -> None:
    user = session.get(User, user_id)
    if user is None or user.role != Role.member.value or user.organization_id not in (unit_org_id, community_org_id):
        raise unprocessable(
            "invalid_user_link", "关联账号须是该党员所在单位或社区的“党员”角色账号", field="body.user_id"
        )
    clash = session.execute(select(Member.id).where(Member.user_id == user_id, Member.id != (member_id or 0))).first()
    if clash:
        raise conflict("user_already_linked", "该账号已关联其他党员", field="body.user_id")


def row_values(data: MemberCreate) -> dict[str, Any]:
    values = data.model_dump(exclude={"phone"})
    values.update(
        category=data.category.value,
        gender=data.gender.value,
        phone_ciphertext=encrypt(data.phone) if data.phone else None,
        phone_lookup=phone_lookup(data.phone) if data.phone else None,
        status=MemberStatus.active.value,
    )
    return values
