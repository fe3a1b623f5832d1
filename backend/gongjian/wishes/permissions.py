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
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, or_, select
from sqlalchemy.orm import Session

from gongjian.kit.access import acting_org_id, is_this_user, this_user
from gongjian.kit.errors import ProblemError, forbidden, unprocessable
from gongjian.kit.principal import Principal
from gongjian.kit.rows import live_organization
from gongjian.meetings.permissions import manages_community
from gongjian.members.permissions import named_member, own_member_ids
from gongjian.models import Member, Wish
from gongjian.models.enums import ActorType, OrganizationKind, Role, WishStatus
from gongjian.wishes.schemas import WishClaim

PUBLIC_STATUSES = (WishStatus.published, WishStatus.claimed, WishStatus.fulfilled, WishStatus.closed)
CLAIMANT_ORG_KINDS = {OrganizationKind.unit.value, OrganizationKind.social.value}


def visibility(principal: Principal) -> ColumnElement[bool] | None:
    """SQL condition on `wishes` (None: the caller sees every wish)."""
    if principal.is_admin:
        return None
    conditions: list[ColumnElement[bool]] = [Wish.status.in_([s.value for s in PUBLIC_STATUSES])]
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


def sees_household_note(principal: Principal, wish: Wish) -> bool:
    """The wish's community admins and the platform admin: those who arrange the visit."""
    return manages(principal, wish)


def community_org_id(principal: Principal, requested: int | None) -> int:
    """The community a new wish is registered for (its liveness and kind are checked by the caller)."""
    if not (principal.is_admin or (principal.role is Role.community_admin and principal.organization_id is not None)):
        raise forbidden("微心愿由社区党组织登记")
    return acting_org_id(
        principal, requested, "body.community_org_id", "平台管理员须指定所在社区", not_own="只能为本社区的居民登记心愿"
    )


def _is_claimant(session: Session, principal: Principal, wish: Wish) -> bool:
    if wish.claimant_org_id is not None:
        return principal.is_org_admin and principal.organization_id == wish.claimant_org_id
    if wish.claimant_member_id is not None:
        member = session.get(Member, wish.claimant_member_id)
        if member is None:
            return False
        if is_this_user(principal, member.user_id):
            return True
        return principal.role is Role.unit_admin and principal.organization_id == member.unit_org_id
    return False


def require_handler(session: Session, principal: Principal, wish: Wish, *, claimant_may: bool) -> None:
    """403 unless the caller manages the wish (or, when `claimant_may`, claimed it)."""
    if manages(principal, wish) or (claimant_may and _is_claimant(session, principal, wish)):
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
