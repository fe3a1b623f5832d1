"""What each kind of message says, and to whom: one function per trigger, called by the owning
domain's service next to its audit record (the activity reminders by the worker's scan).

Each builds the kind's fields (templates.FIELDS), the page a tap opens and the subject that makes it
unique, and queues through `outbox`; none raises for a recipient that can't be told (no account, no
WeChat, no template configured): it queues nothing.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import String, cast, exists, literal, select
from sqlalchemy.orm import Session

from gongjian.kit.personal_data import mask_name
from gongjian.models import (
    Activity,
    ActivitySignup,
    Concern,
    Member,
    NotificationMessage,
    Organization,
    Report,
    VolunteerRecord,
    WechatIdentity,
    Wish,
)
from gongjian.models.base import utcnow
from gongjian.models.enums import (
    ActivityStatus,
    ConcernStatus,
    NotificationKind,
    ReportStatus,
    SignupStatus,
    WishStatus,
)
from gongjian.notifications import templates
from gongjian.notifications.outbox import notify_openid, notify_user

# The mini-program page each kind opens, with the subject's id: pages of frontend/miniapp/src/pages.json
# (tests/notifications/test_pages.py holds them to it). A decided 报到 opens 首页, which shows the
# member's profile once approved (and the reason of a rejection to a member account); an approved
# record opens the member's records with that one marked.
PAGES: dict[NotificationKind, str] = {
    NotificationKind.report_decided: "pages/home/index?report={id}",
    NotificationKind.activity_reminder: "pages/activities/detail?id={id}",
    NotificationKind.volunteer_record_approved: "pages/records/index?id={id}",
    NotificationKind.wish_progress: "pages/wishes/detail?id={id}",
    NotificationKind.concern_answered: "pages/concerns/detail?id={id}",
}
REMINDER_AHEAD = timedelta(hours=24)
APPROVED_NOTE = "已确认报到，欢迎参加社区活动"
REMINDER_NOTE = "请按时参加；不能参加请提前取消报名"
WISH_PROGRESS = {WishStatus.claimed.value: "已认领", WishStatus.fulfilled.value: "已实现"}


def _page(kind: NotificationKind, subject_id: int) -> str:
    return PAGES[kind].format(id=subject_id)


def _org_name(session: Session, org_id: int | None) -> str:
    return session.get_one(Organization, org_id).name if org_id is not None else ""


def notify_report_decided(session: Session, report: Report) -> NotificationMessage | None:
    """报到 approved or rejected → the reporter: its account's WeChat, or the openid it reported with."""
    kind = NotificationKind.report_decided
    approved = report.status == ReportStatus.approved.value
    data = {
        "community": _org_name(session, report.community_org_id),
        "result": "已通过" if approved else "未通过",
        "note": APPROVED_NOTE if approved else (report.reason or ""),
        "time": report.decided_at,
    }
    page, subject = _page(kind, report.id), f"report:{report.id}"
    if report.reporter_user_id is not None:
        return notify_user(session, report.reporter_user_id, kind, data, subject=subject, page=page)
    if report.reporter_openid is not None:
        # Approval has just bound this WeChat to the member's login: name that account, for support.
        user_id = session.execute(
            select(WechatIdentity.user_id).where(WechatIdentity.openid == report.reporter_openid)
        ).scalar()
        return notify_openid(session, report.reporter_openid, kind, data, subject=subject, page=page, user_id=user_id)
    return None


def notify_record_approved(session: Session, record: VolunteerRecord) -> NotificationMessage | None:
    """A volunteer record approved → the member's account's WeChat."""
    kind = NotificationKind.volunteer_record_approved
    member = session.get_one(Member, record.member_id)
    data = {
        "content": record.content,
        "hours": record.half_hours / 2,
        "time": record.started_at,
        "organizer": _org_name(session, record.organizer_org_id),
    }
    subject, page = f"volunteer_record:{record.id}", _page(kind, record.id)
    return notify_user(session, member.user_id, kind, data, subject=subject, page=page)


def notify_wish_progress(session: Session, wish: Wish, user_id: int | None) -> NotificationMessage | None:
    """A wish claimed or fulfilled → account `user_id` (the resident who posted it). Call it after the
    wish's status and times are set; other statuses queue nothing. A wish claimed again after a
    release is a new message (the subject carries the claim's time)."""
    progress = WISH_PROGRESS.get(wish.status)
    if progress is None:
        return None
    kind = NotificationKind.wish_progress
    if wish.status == WishStatus.claimed.value:
        when = wish.claimed_at
        subject = f"wish:{wish.id}:claimed:{when.isoformat() if when else ''}"
    else:
        when, subject = wish.fulfilled_at, f"wish:{wish.id}:fulfilled"
    if wish.claimant_org_id is not None:
        claimant = _org_name(session, wish.claimant_org_id)
    elif wish.claimant_member_id is not None:
        claimant = "党员" + mask_name(session.get_one(Member, wish.claimant_member_id).name)
    else:
        claimant = ""
    data = {"wish": wish.content, "progress": progress, "claimant": claimant, "time": when or utcnow()}
    return notify_user(session, user_id, kind, data, subject=subject, page=_page(kind, wish.id))


def notify_concern_answered(
    session: Session, concern: Concern, user_id: int | None, reply: str
) -> NotificationMessage | None:
    """A concern taken up, escalated or resolved → account `user_id` (the resident who raised it),
    with the note the community wrote (`reply`). Call it after the status is set; one message per
    status a concern reaches (each is reached at most once)."""
    kind = NotificationKind.concern_answered
    data = {
        "title": concern.title,
        "status": ConcernStatus.label_of(concern.status),
        "reply": reply,
        "time": utcnow(),
    }
    subject = f"concern:{concern.id}:{concern.status}"
    return notify_user(session, user_id, kind, data, subject=subject, page=_page(kind, concern.id))


def queue_activity_reminders(session: Session, now: datetime) -> int:
    """Activity reminders, 24 h ahead: every signed-up (not waiting, not cancelled) sign-up of an
    activity that is neither finished nor cancelled and starts within the next 24 hours, whose member's
    account has a WeChat identity and that has no reminder yet. The worker runs this every pass; the
    unique key makes running it again harmless. How many messages it queued (sent or skipped)."""
    kind = NotificationKind.activity_reminder
    if templates.template_id(kind) is None:
        return 0
    key_prefix = f"{kind.value}:signup:"
    already = exists().where(
        NotificationMessage.idempotency_key == literal(key_prefix, String) + cast(ActivitySignup.id, String)
    )
    rows = session.execute(
        select(
            ActivitySignup.id,
            Activity.id,
            Activity.title,
            Activity.starts_at,
            Activity.location,
            WechatIdentity.openid,
            WechatIdentity.user_id,
        )
        .join(Activity, Activity.id == ActivitySignup.activity_id)
        .join(Member, Member.id == ActivitySignup.member_id)
        .join(WechatIdentity, WechatIdentity.user_id == Member.user_id)
        .where(
            ActivitySignup.status == SignupStatus.signed_up.value,
            Activity.status.in_([ActivityStatus.planned.value, ActivityStatus.open.value]),
            Activity.starts_at > now,
            Activity.starts_at <= now + REMINDER_AHEAD,
            ~already,
        )
        .order_by(Activity.starts_at, ActivitySignup.id)
    ).all()
    queued = 0
    for signup_id, activity_id, title, starts_at, location, openid, user_id in rows:
        data = {"title": title, "start": starts_at, "location": location, "note": REMINDER_NOTE}
        message = notify_openid(
            session,
            openid,
            kind,
            data,
            subject=f"signup:{signup_id}",
            page=_page(kind, activity_id),
            user_id=user_id,
            now=now,
        )
        queued += message is not None
    return queued
