"""Who may see, register, handle and claim micro-wishes (微心愿), in one place.

- Visibility: a community admin sees every wish of its community; everyone sees published and
  later wishes (so they can be claimed) and the wishes they claimed. Invisible wishes answer 404.
- The wish's community (its community admin, or a platform admin) registers, verifies, rejects,
  publishes, closes and cancels; the claimant may also report fulfilment or release the wish.
- A member claims for itself (through its linked member record); a unit or social organisation's
  admin claims for its organisation or names one of its members; a platform admin names either.
- Residents' names are shown in full only to those who manage the wish; the household note (an
  elderly resident's address and phone) only to them, withheld (null) from everyone else — the
  claimant too: the community arranges the visit.
- A resident (role `resident`) sees its own wishes only (`resident_id` is its row), never the pool
  of published wishes: another resident's or anyone else's is 404. It posts wishes in its own
  community (taken from its resident row, never from the body), withdraws one before anyone claims
  it (`WISH_RESIDENT_CANCEL_MOVES`), rates the follow-up once it is fulfilled, and attaches photos
  to it. Its own name, note and rating are shown to it in full; a claiming member's name masked.
- A community's admin may enter a wish on behalf of one of its residents (`resident_id`); that
  resident then follows it as its own. The resident link and the rating are shown to the wish's
  managers and its resident only.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import NamedTuple

from sqlalchemy import ColumnElement, or_, select
from sqlalchemy.orm import Session

from gongjian.kit.access import acting_org_id, is_this_user, this_user
from gongjian.kit.errors import ProblemError, forbidden, unprocessable
from gongjian.kit.principal import Principal
from gongjian.kit.rows import live_organization
from gongjian.meetings.permissions import manages_community
from gongjian.members.permissions import named_member, own_member_ids
from gongjian.models import Member, Resident, Wish
from gongjian.models.enums import (
    WISH_MOVES,
    WISH_RATEABLE_STATUSES,
    WISH_RELEASE_MOVES,
    WISH_RESIDENT_CANCEL_MOVES,
    ActorType,
    AttachmentPurpose,
    OrganizationKind,
    Role,
    WishStatus,
)
from gongjian.organizations.permissions import area_scope
from gongjian.residents.permissions import named_resident, own_resident_id, own_resident_ids, require_own_resident
from gongjian.wishes.schemas import WishClaim, WishCreate

PUBLIC_STATUSES = (WishStatus.published, WishStatus.claimed, WishStatus.fulfilled, WishStatus.closed)
CLAIMANT_ORG_KINDS = {OrganizationKind.unit.value, OrganizationKind.social.value}


def visibility(principal: Principal) -> ColumnElement[bool] | None:
    """SQL condition on `wishes` (None: the caller sees every wish)."""
    if principal.is_admin:
        return None
    if principal.is_resident:
        return Wish.resident_id.in_(own_resident_ids(principal))
    # Most wishes are public. Offered `status IN (…)`, SQLite reads them all through the status
    # index (OR-ed with the caller's own, below) and sorts them for one page: 1–9 requests a second
    # for a community admin at L. `status || ''` is the same test that no index answers, so both
    # databases walk the list's order index and stop at the page (SQLite 121 → 2.4 ms a page at L,
    # PostgreSQL, which already did so, unchanged).
    conditions: list[ColumnElement[bool]] = [Wish.status.concat("").in_([s.value for s in PUBLIC_STATUSES])]
    if principal.is_area_admin:
        # Reading only: every wish of the communities under it, and those its units claimed.
        conditions.append(area_scope(principal, Wish.community_org_id, Wish.claimant_org_id))
    if principal.organization_id is not None and principal.role is Role.community_admin:
        conditions.append(Wish.community_org_id == principal.organization_id)
    if principal.organization_id is not None and principal.role is Role.unit_admin:
        conditions.append(Wish.claimant_org_id == principal.organization_id)
    if principal.role is Role.member and principal.actor_type is ActorType.user:
        conditions.append(Wish.claimant_member_id.in_(own_member_ids(principal)))
    return or_(*conditions)


def manages(principal: Principal, wish: Wish) -> bool:
    """The wish's community admin, or a platform admin; they also see residents' names in full."""
    return manages_community(principal, wish.community_org_id)


def is_author(own_resident: int | None, wish: Wish) -> bool:
    """The wish is the caller's own as a resident (`own_resident`: `own_resident_id`, read once)."""
    return own_resident is not None and wish.resident_id == own_resident


def sees_household_note(principal: Principal, wish: Wish, own_resident: int | None = None) -> bool:
    """The wish's community admins and the platform admin: those who arrange the visit; and the
    resident whose wish it is."""
    return manages(principal, wish) or is_author(own_resident, wish)


def sees_resident(principal: Principal, wish: Wish, own_resident: int | None = None) -> bool:
    """The resident's name in full, its link (`resident_id`) and its rating: the wish's managers and
    the resident itself."""
    return manages(principal, wish) or is_author(own_resident, wish)


class Origin(NamedTuple):
    community_org_id: int
    resident: Resident | None
    resident_name: str


def origin(session: Session, principal: Principal, data: WishCreate) -> Origin:
    """The community a new wish is registered for, the resident it is of and its name (the
    community's liveness and kind are checked by the caller)."""
    if principal.is_resident:
        resident = require_own_resident(session, principal)
        for field in ("resident_id", "resident_name"):
            if getattr(data, field) is not None:
                raise unprocessable("field_not_for_residents", "居民本人登记时不填此项", field=f"body.{field}")
        if data.community_org_id not in (None, resident.community_org_id):
            raise ProblemError(403, "not_own_organization", "无权操作", "居民只能在本人所在社区登记心愿")
        return Origin(resident.community_org_id, resident, resident.name)
    if not (principal.is_admin or (principal.role is Role.community_admin and principal.organization_id is not None)):
        raise forbidden("微心愿由社区党组织或居民本人登记")
    community_id = acting_org_id(
        principal,
        data.community_org_id,
        "body.community_org_id",
        "平台管理员须指定所在社区",
        not_own="只能为本社区的居民登记心愿",
    )
    if data.resident_id is not None:
        named = named_resident(session, principal, data.resident_id, "body.resident_id", community_id)
        return Origin(community_id, named, data.resident_name or named.name)
    if data.resident_name is None:
        raise unprocessable("resident_name_required", "请填写居民姓名，或指定居民", field="body.resident_name")
    return Origin(community_id, None, data.resident_name)


def _cancel_moves_of(
    principal: Principal, wish: Wish, own_resident: int | None
) -> Mapping[WishStatus, Collection[WishStatus]] | None:
    if manages(principal, wish):
        return WISH_MOVES
    if is_author(own_resident, wish):
        return WISH_RESIDENT_CANCEL_MOVES
    return None


def cancel_moves(session: Session, principal: Principal, wish: Wish) -> Mapping[WishStatus, Collection[WishStatus]]:
    """The cancellations open to the caller: its community's (any time before fulfilment), or the
    resident's own (before anyone claims it); 403 for anyone else."""
    moves = _cancel_moves_of(principal, wish, own_resident_id(session, principal))
    if moves is None:
        raise forbidden("只有心愿所在社区、心愿居民本人或平台管理员可以取消心愿")
    return moves


def rateable(wish: Wish) -> bool:
    """The follow-up can be rated now: the wish is fulfilled (or closed) and not rated yet."""
    return WishStatus(wish.status) in WISH_RATEABLE_STATUSES and wish.rated_at is None


def may_claim_for_itself(principal: Principal) -> bool:
    """Roles that claim a wish (`claimant`): a member in its own name, a unit's (or social
    organisation's) admin for its organisation or its members, a platform admin for either."""
    return (
        principal.is_admin
        or principal.role is Role.unit_admin
        or (principal.role is Role.member and principal.actor_type is ActorType.user)
    )


# The community's steps, each the move the action makes (the service's `_step` with its target).
_COMMUNITY_STEPS = (
    ("verify", WishStatus.verified),
    ("reject", WishStatus.rejected),
    ("publish", WishStatus.published),
    ("close", WishStatus.closed),
)


def allowed_actions(principal: Principal, wish: Wish, own_resident: int | None) -> list[str]:
    """What the caller may do to the wish now (the read schema's `allowed_actions`), by the same rules
    the actions apply: verify, reject, publish and close (`require_handler`, the community), claim
    (`claimant`), fulfil and release (`require_handler` with the claimant), cancel (`cancel_moves`)
    and rate (`require_rater`)."""
    actions = []
    status = WishStatus(wish.status)
    if manages(principal, wish):
        for action, target in _COMMUNITY_STEPS:
            if status in WISH_MOVES.get(target, ()):
                actions.append(action)
    if may_claim_for_itself(principal) and status in WISH_MOVES.get(WishStatus.claimed, ()):
        actions.append("claim")
    # (`wish.claimant_member` is loaded with every wish read: `service.readable_wishes`.)
    if manages(principal, wish) or _is_claimant(principal, wish, wish.claimant_member):
        if status in WISH_MOVES.get(WishStatus.fulfilled, ()):
            actions.append("fulfil")
        if status in WISH_RELEASE_MOVES.get(WishStatus.published, ()):
            actions.append("release")
    moves = _cancel_moves_of(principal, wish, own_resident)
    if moves is not None and WishStatus(wish.status) in moves.get(WishStatus.cancelled, ()):
        actions.append("cancel")
    if is_author(own_resident, wish) and rateable(wish):
        actions.append("rate")
    return actions


def require_rater(session: Session, principal: Principal, wish: Wish) -> None:
    """The resident whose wish it is rates its follow-up, nobody else (not on its behalf)."""
    if not is_author(own_resident_id(session, principal), wish):
        raise forbidden("只有心愿居民本人可以评价")


def require_photo_attacher(session: Session, principal: Principal, wish: Wish, purpose: AttachmentPurpose) -> None:
    """Photos of a wish: its community; the claimant its fulfilment photos; the resident whose wish
    it is photos of what it wishes for (`photo`)."""
    if purpose is AttachmentPurpose.photo and is_author(own_resident_id(session, principal), wish):
        return
    require_handler(session, principal, wish, claimant_may=purpose is AttachmentPurpose.fulfilment)


def _is_claimant(principal: Principal, wish: Wish, member: Member | None) -> bool:
    """The caller claimed the wish: the claiming organisation's admin, the claiming member itself
    (`member`: the wish's claimant member, loaded by the caller), or the admin of that member's unit."""
    if wish.claimant_org_id is not None:
        return principal.is_org_admin and principal.organization_id == wish.claimant_org_id
    if member is None:
        return False
    if is_this_user(principal, member.user_id):
        return True
    return principal.role is Role.unit_admin and principal.organization_id == member.unit_org_id


def require_handler(session: Session, principal: Principal, wish: Wish, *, claimant_may: bool) -> None:
    """403 unless the caller manages the wish (or, when `claimant_may`, claimed it)."""
    if manages(principal, wish) or (
        claimant_may
        and _is_claimant(
            principal, wish, session.get(Member, wish.claimant_member_id) if wish.claimant_member_id else None
        )
    ):
        return
    raise forbidden(
        "只有心愿所在社区、认领人或平台管理员可以执行此操作"
        if claimant_may
        else "只有心愿所在社区或平台管理员可以执行此操作"
    )


# --- who claims --------------------------------------------------------------------------------


def claimant(session: Session, principal: Principal, data: WishClaim) -> tuple[int | None, int | None]:
    """(member id, organisation id) of who claims, exactly one of them set."""
    if principal.is_admin:
        if (data.member_id is None) == (data.organization_id is None):
            raise unprocessable("claimant_required", "平台管理员须指定认领党员或认领单位之一")
        if data.member_id is not None:
            return named_member(session, principal, data.member_id, "body.member_id").id, None
        assert data.organization_id is not None
        org = live_organization(session, data.organization_id, "body.organization_id")
        if org.kind not in CLAIMANT_ORG_KINDS:
            raise unprocessable(
                "wrong_organization_kind", "微心愿由驻区单位或社会组织认领", field="body.organization_id"
            )
        return None, org.id
    if principal.role is Role.member and principal.actor_type is ActorType.user:
        if data.member_id is not None or data.organization_id is not None:
            raise ProblemError(403, "not_own_member", "无权操作", "党员只能以本人名义认领")
        member = session.execute(
            select(Member).where(this_user(principal, Member.user_id), Member.archived_at.is_(None))
        ).scalar_one_or_none()
        if member is None:
            raise ProblemError(403, "no_member_profile", "无权操作", "当前账号没有关联党员档案，不能认领心愿")
        return member.id, None
    if principal.role is Role.unit_admin and principal.organization_id is not None:
        org_id = acting_org_id(
            principal,
            data.organization_id,
            "body.organization_id",
            "平台管理员须指定认领党员或认领单位之一",
            not_own="只能以本组织名义认领",
        )
        if data.member_id is not None:
            # The members a unit's admin sees are its unit's: another's is answered as missing.
            return named_member(session, principal, data.member_id, "body.member_id").id, None
        return None, org_id
    raise forbidden("微心愿由党员或驻区单位、社会组织认领")
