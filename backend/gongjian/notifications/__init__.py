"""Notifications through WeChat subscription messages (订阅消息).

How a message travels:
1. The mini-program asks the user (wx.requestSubscribeMessage, with template ids from
   `GET /notification-templates`) and posts what WeChat answered to `POST /me/notification-consents`
   (or, for a 报到 reporter not bound to an account, `POST /notification-consents/wechat` with its
   binding ticket). Each "accept" allows one message of that kind to that openid (`consents.py`).
2. A domain service queues a message in its own transaction, next to its audit record (`outbox.py`):
   a recipient without WeChat gets nothing; one without consent left gets a `skipped` row
   (`no_consent`); otherwise a `pending` row, using one consent. Nothing is sent in the request.
3. The worker (`gongjian deliver-webhooks`, once or `--loop`, the same one as the webhooks) queues the
   activity reminders due and sends pending messages through WeChat's API (`sending.py`,
   `wechat_api.py`), retrying what can be retried; `GET /notification-messages` shows support what
   happened and why.

Telling an account something — the one call, from any service, inside its unit of work:

    from gongjian import notifications

    notifications.notify_user(
        session, user_id, NotificationKind.wish_progress,
        {"wish": wish.content, "progress": "已认领", "claimant": "市中院机关党委", "time": wish.claimed_at},
        subject=f"wish:{wish.id}:claimed:{wish.claimed_at.isoformat()}",
        page=f"pages/wishes/detail?id={wish.id}",
    )

`data` fills the kind's fields (`templates.FIELDS`); `subject` makes the message unique within its
kind (queueing the same subject again does nothing). The ready-made triggers build all of that:

    notifications.notify_wish_progress(session, wish, wish.resident_user_id)   # after claim / fulfil
    notifications.notify_concern_answered(session, concern, resident_user_id, note)  # after start / escalate / resolve

and `notify_report_decided`, `notify_record_approved` are called by reports and volunteering.
"""

from gongjian.notifications.outbox import notify_openid, notify_user
from gongjian.notifications.triggers import (
    notify_concern_answered,
    notify_record_approved,
    notify_report_decided,
    notify_wish_progress,
)

__all__ = [
    "notify_concern_answered",
    "notify_openid",
    "notify_record_approved",
    "notify_report_decided",
    "notify_user",
    "notify_wish_progress",
]
