"""Partnerships (共建关系) as permissions: which communities a unit works with, and who may act for
an organisation. Activities, concerns, meetings, statistics and the placing of members ask here
rather than each reading the partnerships table its own way.

Also who may change an organisation: a platform admin, or the organisation's own admin, who may
not change its kind or code; and a district's or street's admin for the organisations under it.

The hierarchy (issue 17): a district (区委组织部) has streets (街道党工委), a street has communities;
units and social organisations hang under a street or the district. "The organisations under X"
(`org_ids_under`) is answered here and nowhere else: every domain's row scoping asks `area_scope`
for a district's or street's admin, as it compares to `principal.organization_id` for an
organisation's own admin. The tree has two fixed levels below a district, so the rule is two
plain subqueries rather than a recursive one (cheap on both databases, index on `parent_id`)."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from sqlalchemy import ColumnElement, Select, case, false, or_, select
from sqlalchemy.orm import Session, aliased

from gongjian.kit.access import acts_for, is_platform_admin
from gongjian.kit.errors import forbidden, unprocessable
from gongjian.kit.principal import Principal
from gongjian.models import Organization, Partnership
from gongjian.models.enums import OrganizationKind, Role

# Fields of an organisation only a platform admin changes.
PLATFORM_FIELDS = frozenset({"kind", "code"})


# --- the hierarchy ------------------------------------------------------------------------------

# The kinds an organisation's parent may be, by the organisation's kind (a district has none).
PARENT_KINDS: dict[OrganizationKind, frozenset[OrganizationKind]] = {
    OrganizationKind.district: frozenset(),
    OrganizationKind.street: frozenset({OrganizationKind.district}),
    OrganizationKind.community: frozenset({OrganizationKind.street}),
    OrganizationKind.unit: frozenset({OrganizationKind.street, OrganizationKind.district}),
    OrganizationKind.social: frozenset({OrganizationKind.street, OrganizationKind.district}),
}
# The organisation kind an area admin's account belongs to.
AREA_ROLE_KINDS = {Role.district_admin: OrganizationKind.district, Role.street_admin: OrganizationKind.street}


def org_ids_under(org_id: int | None, *, itself: bool = True) -> Select[Any]:
    """SQL: the ids of the organisations under `org_id` — its children and their children — and,
    when `itself`, `org_id` too. THE one definition of "under": every scope below builds on it.
    Aliased tables, so it never correlates with an outer query that reads `organizations` itself."""
    child, org = aliased(Organization), aliased(Organization)
    children = select(child.id).where(child.parent_id == org_id)
    below = or_(org.parent_id == org_id, org.parent_id.in_(children))
    return select(org.id).where(or_(org.id == org_id, below) if itself else below)


def area_scope(principal: Principal, *columns: Any) -> ColumnElement[bool]:
    """SQL condition for a district's or street's admin: any of `columns` (organisation ids) is an
    organisation under the caller's. False for anyone else: callers test `is_area_admin` first."""
    if not principal.is_area_admin or principal.organization_id is None:
        return false()
    under = org_ids_under(principal.organization_id)
    return or_(*(column.in_(under) for column in columns))


def is_under(session: Session, principal: Principal, org_id: int | None, *, itself: bool = True) -> bool:
    """Whether organisation `org_id` lies under the area admin's organisation (its own counts when
    `itself`); false for anyone who isn't an area admin."""
    if not principal.is_area_admin or principal.organization_id is None or org_id is None:
        return False
    found = session.execute(
        select(Organization.id).where(
            Organization.id == org_id, Organization.id.in_(org_ids_under(principal.organization_id, itself=itself))
        )
    ).first()
    return found is not None


def require_parent_fits(kind: OrganizationKind, parent: Organization | None) -> None:
    """An organisation's parent must be of a kind that fits (PARENT_KINDS); else 422
    `organization_parent_invalid`. No parent is allowed for every kind (existing data)."""
    if parent is None:
        return
    allowed = PARENT_KINDS[kind]
    if OrganizationKind(parent.kind) not in allowed:
        names = "、".join(k.label_of(k) for k in allowed) or "无"
        raise unprocessable(
            "organization_parent_invalid",
            f"{kind.label_of(kind)}的上级只能是：{names}",
            field="body.parent_id",
        )


def _live() -> ColumnElement[bool]:
    """A partnership in force: one not archived (the one meaning of "partners" everywhere)."""
    return Partnership.archived_at.is_(None)


def partner_community_ids(unit_org_id: int | None) -> Select[Any]:
    """SQL: the communities a unit (or social organisation) has a live partnership with."""
    return select(Partnership.community_org_id).where(Partnership.unit_org_id == unit_org_id, _live())


def partner_org_ids(org_id: int | None) -> Select[Any]:
    """SQL: the organisations a live partnership joins to this one — a unit's (or social
    organisation's) communities, a community's units and social organisations."""
    other_side = case((Partnership.unit_org_id == org_id, Partnership.community_org_id), else_=Partnership.unit_org_id)
    return select(other_side).where(
        or_(Partnership.unit_org_id == org_id, Partnership.community_org_id == org_id), _live()
    )


def is_partner(session: Session, unit_org_id: int | None, community_org_id: int | None) -> bool:
    """Whether a live partnership joins the unit and the community."""
    found = session.execute(
        select(Partnership.id).where(
            Partnership.unit_org_id == unit_org_id, Partnership.community_org_id == community_org_id, _live()
        )
    ).first()
    return found is not None


def partner_pairs(session: Session, org_ids: Collection[int | None]) -> set[tuple[int, int]]:
    """The (unit, community) pairs among these organisations that a live partnership joins, in one
    query: a member import checks all its rows at once."""
    wanted = sorted({i for i in org_ids if i is not None})
    if not wanted:
        return set()
    rows = session.execute(
        select(Partnership.unit_org_id, Partnership.community_org_id).where(
            Partnership.unit_org_id.in_(wanted), Partnership.community_org_id.in_(wanted), _live()
        )
    )
    return {(unit, community) for unit, community in rows}


def partnership_scope(principal: Principal) -> ColumnElement[bool] | None:
    """SQL condition: the partnerships the caller's organisation is a party to; None for all."""
    if is_platform_admin(principal):
        return None
    if principal.is_area_admin:
        return area_scope(principal, Partnership.unit_org_id, Partnership.community_org_id)
    org = principal.organization_id
    return or_(Partnership.unit_org_id == org, Partnership.community_org_id == org)


def organization_scope(principal: Principal, column: Any) -> ColumnElement[bool] | None:
    """SQL condition on an organisation id column for the organisations the caller reads: all
    (None) for a platform admin, its own and those under it for an area admin, else its own."""
    if is_platform_admin(principal):
        return None
    if principal.is_area_admin:
        return area_scope(principal, column)
    return column == principal.organization_id  # type: ignore[no-any-return]


def require_may_edit_organization(session: Session, principal: Principal, org_id: int) -> None:
    """A platform admin, the organisation's own admin, or the admin of a district or street above it."""
    if not (acts_for(principal, org_id) or is_under(session, principal, org_id, itself=False)):
        raise forbidden("只有平台管理员、本组织或上级街道、区的管理员可以修改")


def require_may_create_under(session: Session, principal: Principal, parent_id: int | None) -> None:
    """A platform admin creates any organisation; a district's or street's admin creates
    organisations under its own (the parent named must be its own or under it: 422 otherwise,
    answered like a missing parent)."""
    if is_platform_admin(principal):
        return
    if not principal.is_area_admin:
        raise forbidden("仅平台管理员或街道、区的管理员可以新建党组织")
    if not is_under(session, principal, parent_id):
        raise unprocessable("organization_not_found", "上级党组织不存在或不在本辖区", field="body.parent_id")


def require_may_change_fields(principal: Principal, fields: Collection[str]) -> None:
    if not is_platform_admin(principal) and PLATFORM_FIELDS.intersection(fields):
        raise forbidden("组织类型和简码只能由平台管理员修改")
