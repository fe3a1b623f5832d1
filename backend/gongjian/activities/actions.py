"""What may be done to an activity and its sign-ups now, and why not: the refusal functions the
endpoints raise (`signups.py`, `service.py`), and the read schemas' `allowed_actions` /
`blocked_actions` built from the very same functions — so the SPA and the mini-program show the
API's answer instead of copying its rules.

Who may act at all is `permissions.py` (managing an activity, taking part in it); this module adds
the when: states, the check-in window, places on the waiting list.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from gongjian.activities.codes import CHECK_OUT_GRACE
from gongjian.activities.permissions import manages
from gongjian.kit.errors import ProblemError, conflict
from gongjian.kit.principal import Principal
from gongjian.models import Activity, ActivitySignup
from gongjian.models.enums import ACTIVITY_MOVES, ActivityStatus, Role, SignupStatus

# Members may check in from this long before the start.
CHECK_IN_OPENS_BEFORE = timedelta(hours=1)
# An activity's lifecycle moves, by the action that makes them.
MOVES = {"open": ActivityStatus.open, "finish": ActivityStatus.finished, "cancel": ActivityStatus.cancelled}


# --- refusals, raised by the endpoints ---------------------------------------------------------


def sign_up_refusal(activity: Activity) -> ProblemError | None:
    """Why nobody may sign up for the activity now (None: sign-ups are taken)."""
    if ActivityStatus(activity.status) is not ActivityStatus.open:
        return conflict("activity_not_open", "活动不在报名中")
    return None


def cancel_refusal(activity: Activity, signup: ActivitySignup, now: datetime) -> ProblemError | None:
    """Why a live sign-up can't be cancelled now (None: it can): only before the activity starts."""
    if ActivityStatus(activity.status) is not ActivityStatus.open:
        return conflict("activity_not_open", "活动不在报名中，不能取消报名")
    if now >= activity.starts_at:
        return conflict("activity_started", "活动已开始，不能取消报名")
    if signup.checked_in_at is not None:
        return conflict("already_checked_in", "已签到，不能取消报名")
    return None


def place_refusal(signup: ActivitySignup) -> ProblemError | None:
    """Attendance is for sign-ups that hold a place: a waiting one has none yet."""
    if signup.status == SignupStatus.waiting.value:
        return conflict("signup_waiting", "仍在候补名单中，没有名额，不能签到")
    if signup.status == SignupStatus.cancelled.value:
        return conflict("signup_cancelled", "报名已取消，不能登记考勤")
    return None


def attendance_refusal(activity: Activity, signup: ActivitySignup) -> ProblemError | None:
    """Why a manager can't set a sign-up's attendance by hand (None: it can)."""
    if ActivityStatus(activity.status) is ActivityStatus.cancelled:
        return conflict("activity_cancelled", "活动已取消")
    return place_refusal(signup)


def check_in_refusal(activity: Activity, signup: ActivitySignup | None, now: datetime) -> ProblemError | None:
    """Why the member with this live sign-up (None: none) can't check in now (None: it can)."""
    if ActivityStatus(activity.status) is not ActivityStatus.open:
        return conflict("activity_not_open", "活动不在进行中，不能签到")
    if now < activity.starts_at - CHECK_IN_OPENS_BEFORE:
        return conflict("check_in_not_started", "活动开始前 1 小时起才能签到")
    if now >= activity.ends_at + CHECK_OUT_GRACE:
        return conflict("check_in_closed", "活动已结束超过 1 小时，不能签到")
    if signup is None:
        return conflict("not_signed_up", "你没有报名此活动")
    refusal = place_refusal(signup)
    if refusal is not None:
        return refusal
    if signup.checked_in_at is not None:
        return conflict("already_checked_in", "你已签到")
    return None


def check_out_refusal(activity: Activity, signup: ActivitySignup | None, now: datetime) -> ProblemError | None:
    """Why the member with this live sign-up (None: none) can't check out now (None: it can)."""
    if ActivityStatus(activity.status) not in (ActivityStatus.open, ActivityStatus.finished):
        return conflict("activity_not_open", "活动不在进行中，不能签退")
    if now >= activity.ends_at + CHECK_OUT_GRACE:
        return conflict("check_out_closed", "活动已结束超过 1 小时，不能签退")
    if signup is None:
        return conflict("not_signed_up", "你没有报名此活动")
    refusal = place_refusal(signup)
    if refusal is not None:
        return refusal
    if signup.checked_in_at is None:
        return conflict("not_checked_in", "请先签到")
    if signup.checked_out_at is not None:
        return conflict("already_checked_out", "你已签退")
    return None


# --- what the caller may do, for the read schemas ----------------------------------------------


def signup_actions(principal: Principal, activity: Activity, signup: ActivitySignup, now: datetime) -> list[str]:
    """What the caller may do to a sign-up it reads (it reads only those `signup_scope` gives it,
    which are the ones it may cancel): `SignupRead.allowed_actions`."""
    actions = []
    if signup.status != SignupStatus.cancelled.value and cancel_refusal(activity, signup, now) is None:
        actions.append("cancel")
    if manages(principal, activity) and attendance_refusal(activity, signup) is None:
        actions.append("mark_attendance")
    return actions


def activity_actions(
    principal: Principal,
    activity: Activity,
    *,
    is_member: bool,
    mine: ActivitySignup | None,
    audience: ProblemError | None,
    now: datetime,
) -> tuple[list[str], list[dict[str, str]]]:
    """What the caller may do to the activity now, and what its role could do but can't, with why:
    `ActivityRead.allowed_actions` / `blocked_actions`.

    `is_member`: the caller is a member with its member row; `mine`: its live sign-up (signed up or
    waiting); `audience`: why it may not take part (`permissions.audience_refusal`), None if it may.
    """
    allowed: list[str] = []
    blocked: list[dict[str, str]] = []
    status = ActivityStatus(activity.status)
    if manages(principal, activity):
        if status is not ActivityStatus.cancelled:
            allowed += ["edit", "check_in_code"]
        allowed += [action for action, target in MOVES.items() if status in ACTIVITY_MOVES[target]]
    closed = sign_up_refusal(activity)
    if principal.role is not Role.member:
        # An admin signs up the members it looks after (each checked against the audience then).
        if (principal.is_admin or principal.is_org_admin) and closed is None:
            allowed.append("sign_up")
        return allowed, blocked
    if not is_member:
        return allowed, blocked
    if mine is None:
        if closed is None and audience is None:
            allowed.append("sign_up")
        elif closed is None and audience is not None:
            blocked.append({"action": "sign_up", "reason": audience.detail or ""})
        return allowed, blocked
    if cancel_refusal(activity, mine, now) is None:
        allowed.append("cancel_signup")
    why_not_in = check_in_refusal(activity, mine, now)
    if why_not_in is None:
        allowed.append("check_in")
    elif mine.checked_in_at is None and why_not_in.code in ("check_in_not_started", "signup_waiting"):
        blocked.append({"action": "check_in", "reason": why_not_in.detail or ""})
    if mine.checked_in_at is not None and check_out_refusal(activity, mine, now) is None:
        allowed.append("check_out")
    return allowed, blocked
