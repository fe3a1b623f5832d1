"""Who sees an activity, who manages it, and who may publish one where.

Visibility: a platform admin sees every activity; an organisation's admin sees the activities in
its community, the ones it organises, those in communities it partners with (共建), those open to
the whole platform, and those its members signed up for; a member sees the same for its own
community and unit, and the ones it signed up for; a district's or street's admin the activities
whose community or organiser is under its organisation. Anything else is 404.

Taking part (`takes_part`, the activity's `audience`): every level admits the activity's
community's members and the organiser's own members (a unit brings its people);
- `community` 本社区党员: only those;
- `partners` 本社区及共建单位党员 (the default: who could take part before the field existed):
  also members whose unit (or social organisation) has a live partnership with the activity's
  community — the community's 大党委 member units. Two communities sharing a partner unit are not
  partners of each other: 共建 joins a unit and a community, and a member of a community that isn't
  one of these takes part through `platform` (or, once streets exist, a street-wide level);
- `platform` 全平台党员: any member on the platform (neighbours who help).
A neighbour's hours are the organiser's to record and count in the activity's community's figures
and the member's own totals; its own community and unit see its sign-up and record.

Managing an activity (edit, open/finish/cancel, check-in code, attendance by hand) belongs to the
platform admin and the admins of its organiser and of its community. Publishing one belongs to a
platform admin, or an organisation's admin in its own name, in its own community or a partner's.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, and_, false, or_, select
from sqlalchemy.orm import Session

from gongjian.kit.access import acts_for, has_admin_role, is_platform_admin, this_user
from gongjian.kit.errors import ProblemError, forbidden
from gongjian.kit.principal import Principal
from gongjian.members.permissions import member_in_org, own_member_ids, visible_members
from gongjian.models import Activity, ActivitySignup, Member, Partnership
from gongjian.models.enums import ActivityAudience, Role
from gongjian.organizations.permissions import area_scope, is_partner, partner_community_ids


def partner_communities(org_id: int | None) -> ColumnElement[bool]:
    """Activities in a community the organisation partners with (a unit's 共建 communities)."""
    return Activity.community_org_id.in_(partner_community_ids(org_id))


def open_to_platform() -> ColumnElement[bool]:
    return Activity.audience == ActivityAudience.platform.value


def activity_scope(principal: Principal) -> ColumnElement[bool] | None:
    """SQL condition on `Activity` for the activities the caller sees; None when it sees all."""
    if principal.is_admin:
        return None
    if principal.role is Role.member:
        mine = (
            select(Member.community_org_id, Member.unit_org_id).where(this_user(principal, Member.user_id)).subquery()
        )
        orgs = select(mine.c.community_org_id).union(select(mine.c.unit_org_id))
        partners = select(Partnership.community_org_id).where(
            Partnership.unit_org_id.in_(select(mine.c.unit_org_id)), Partnership.archived_at.is_(None)
        )
        return or_(
            Activity.community_org_id.in_(orgs),
            Activity.organizer_org_id.in_(orgs),
            Activity.community_org_id.in_(partners),
            open_to_platform(),
            # Signed up once, seen for good: its check-in, check-out and history stay reachable.
            Activity.id.in_(
                select(ActivitySignup.activity_id).where(ActivitySignup.member_id.in_(own_member_ids(principal)))
            ),
        )
    if principal.is_area_admin:
        return area_scope(principal, Activity.community_org_id, Activity.organizer_org_id)
    if not principal.is_org_admin:
        return false()  # a resident: activities are members' and organisations' business
    org = principal.organization_id
    its_members = select(Member.id).where(member_in_org(org))
    return or_(
        Activity.community_org_id == org,
        Activity.organizer_org_id == org,
        partner_communities(org),
        # Its members may take part: it sees the activity to sign them up.
        open_to_platform(),
        # Its members' sign-ups elsewhere (a neighbour's own community follows its service).
        Activity.id.in_(select(ActivitySignup.activity_id).where(ActivitySignup.member_id.in_(its_members))),
    )


def takes_part(member: Member) -> ColumnElement[bool]:
    """SQL condition on `Activity`: the activities `member` may take part in (the module docstring).
    The one rule: sign-ups check it, and the activity's `allowed_actions` read it."""
    own_orgs = [i for i in (member.community_org_id, member.unit_org_id) if i is not None]
    return or_(
        open_to_platform(),
        Activity.community_org_id == member.community_org_id,
        Activity.organizer_org_id.in_(own_orgs),
        and_(
            Activity.audience == ActivityAudience.partners.value,
            Activity.community_org_id.in_(partner_community_ids(member.unit_org_id)),
        )
        if member.unit_org_id is not None
        else false(),
    )


def audience_refusal(session: Session, activity: Activity, member: Member) -> ProblemError | None:
    """Why `member` may not take part in `activity` (None: it may)."""
    allowed = session.execute(select(Activity.id).where(Activity.id == activity.id, takes_part(member))).first()
    return None if allowed is not None else not_in_audience(activity)


def not_in_audience(activity: Activity) -> ProblemError:
    label = ActivityAudience.label_of(activity.audience)
    return ProblemError(403, "not_in_audience", "不在参与范围内", f"本活动仅限{label}参加")


def manages(principal: Principal, activity: Activity) -> bool:
    return acts_for(principal, activity.organizer_org_id) or acts_for(principal, activity.community_org_id)


def require_manager(principal: Principal, activity: Activity) -> None:
    if not manages(principal, activity):
        raise forbidden("只有平台管理员、主办组织或所在社区的管理员可以管理该活动")


def may_publish(principal: Principal) -> bool:
    """Publishing activities at all (where and in whose name: `require_may_host`)."""
    return has_admin_role(principal)


def require_publisher(principal: Principal) -> None:
    if not may_publish(principal):
        raise forbidden("只有平台管理员或党组织管理员可以发布活动")


def require_may_host(session: Session, principal: Principal, organizer_id: int, community_id: int) -> None:
    """An organisation's admin publishes in its own name, in its community or a partner community."""
    if is_platform_admin(principal):
        return
    org = principal.organization_id
    if organizer_id != org:
        raise forbidden("只能以本组织名义主办活动")
    if community_id != org and not is_partner(session, org or 0, community_id):
        raise forbidden("只能在本社区或共建社区发布活动")


def signup_scope(principal: Principal, activity: Activity) -> ColumnElement[bool] | None:
    """SQL condition on `ActivitySignup` for the sign-ups of `activity` the caller sees: all of them
    for its managers, a member's own, an organisation's admin its members'."""
    if manages(principal, activity):
        return None
    if principal.role is Role.member:
        return ActivitySignup.member_id.in_(own_member_ids(principal))
    if principal.is_area_admin:
        return ActivitySignup.member_id.in_(select(Member.id).where(visible_members(principal)))
    if not principal.is_org_admin:
        return false()
    return ActivitySignup.member_id.in_(select(Member.id).where(member_in_org(principal.organization_id)))
