"""Which template each kind is sent with, what goes in it, and how each value is written.

A WeChat subscription template has typed keys (`thing1`, `time2`, `phrase3`, …): the type is the
key without its number, and each type has WeChat's own limits (a `thing` at most 20 characters, a
`phrase` at most 5 Chinese characters, a `time` a date and time). Our code fills *fields* of its own
(`community`, `result`, …, below); each field goes to a template key — the default one here, or the
one `GONGJIAN_WECHAT_TEMPLATE_KEYS` names for a template whose keys differ — and its value is written
and cut to the key's type. Choose templates in the mini-program's 订阅消息 console with these fields:

- report_decided 报到审核结果: community → thing1 (社区), result → phrase2 (已通过 / 未通过),
  note → thing3 (备注或退回原因), time → time4 (审核时间)
- activity_reminder 活动提醒: title → thing1 (活动名称), start → time2 (开始时间),
  location → thing3 (地点), note → thing4 (温馨提示)
- volunteer_record_approved 志愿服务记录审核通过: content → thing1 (服务内容), hours → number2
  (时长，小时), time → time3 (服务时间), organizer → thing4 (组织单位)
- wish_progress 心愿进度: wish → thing1 (心愿内容), progress → phrase2 (已认领 / 已实现),
  claimant → thing3 (认领方), time → time4 (时间)
- concern_answered 社情民意回复: title → thing1 (反映事项), status → phrase2 (办理状态),
  reply → thing3 (回复内容), time → time4 (时间)

A kind whose template id (`GONGJIAN_WECHAT_TEMPLATE_<KIND>`) is unset is not offered: the
mini-program is not told of it and nothing of it is queued.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal

from gongjian.kit.calendar import LOCAL_ZONE
from gongjian.models.enums import NotificationKind
from gongjian.settings import get_settings

logger = logging.getLogger("gongjian.notifications")

# Our fields per kind, each with its default template key.
FIELDS: dict[NotificationKind, dict[str, str]] = {
    NotificationKind.report_decided: {"community": "thing1", "result": "phrase2", "note": "thing3", "time": "time4"},
    NotificationKind.activity_reminder: {"title": "thing1", "start": "time2", "location": "thing3", "note": "thing4"},
    NotificationKind.volunteer_record_approved: {
        "content": "thing1",
        "hours": "number2",
        "time": "time3",
        "organizer": "thing4",
    },
    NotificationKind.wish_progress: {"wish": "thing1", "progress": "phrase2", "claimant": "thing3", "time": "time4"},
    NotificationKind.concern_answered: {"title": "thing1", "status": "phrase2", "reply": "thing3", "time": "time4"},
}

# WeChat's limits per key type, in characters (订阅消息 参数值内容限制).
LIMITS = {
    "thing": 20,
    "phrase": 5,
    "name": 10,
    "character_string": 32,
    "letter": 32,
    "symbol": 5,
    "number": 32,
    "amount": 11,
    "phone_number": 17,
    "car_number": 8,
    "time": 24,
    "date": 24,
}
# An empty value is refused by WeChat (47003): say "none" instead.
EMPTY = "无"
_KEY_TYPE = re.compile(r"[0-9]+$")


def template_id(kind: NotificationKind) -> str | None:
    """The kind's template id, or None when it is not configured (then the kind is not offered)."""
    value: str = getattr(get_settings(), f"wechat_template_{kind.value}")
    return value or None


def offered() -> list[tuple[NotificationKind, str]]:
    """Every kind with a template, in the enum's order."""
    return [(kind, tid) for kind in NotificationKind if (tid := template_id(kind)) is not None]


def keys_of(kind: NotificationKind) -> dict[str, str]:
    """{our field: template key} for the kind, with the configured overrides; an override naming a
    field the kind doesn't have is ignored (and logged)."""
    keys = dict(FIELDS[kind])
    for field, key in get_settings().wechat_template_keys.get(kind.value, {}).items():
        if field in keys:
            keys[field] = key
        else:
            logger.warning("GONGJIAN_WECHAT_TEMPLATE_KEYS: %s has no field %r (ignored)", kind.value, field)
    return keys


def key_type(key: str) -> str:
    return _KEY_TYPE.sub("", key)


def write(value: object, kind_of_key: str) -> str:
    """One value as the key's type wants it: times in the communities' clock, cut to its limit."""
    if isinstance(value, datetime):
        local = value.astimezone(LOCAL_ZONE)
        text = f"{local.year}年{local.month}月{local.day}日"
        if kind_of_key != "date":
            text += f" {local:%H:%M}"
    elif isinstance(value, date):
        text = f"{value.year}年{value.month}月{value.day}日"
    elif isinstance(value, float | Decimal):
        text = f"{value:f}".rstrip("0").rstrip(".") if value != int(value) else str(int(value))
    else:
        text = " ".join(str(value if value is not None else "").split())
    if not text:
        return EMPTY
    limit = LIMITS.get(kind_of_key, 20)
    if len(text) <= limit:
        return text
    # A thing reads better ending in an ellipsis; a phrase or code is cut plainly.
    return text[: limit - 1] + "…" if kind_of_key == "thing" else text[:limit]


def render(kind: NotificationKind, values: Mapping[str, object]) -> dict[str, dict[str, str]]:
    """The `data` of the WeChat message: {template key: {"value": text}} for every field of the kind
    (a field not given is written as "无"); a value for a field the kind doesn't have is an error."""
    keys = keys_of(kind)
    unknown = set(values) - set(keys)
    if unknown:
        raise ValueError(f"{kind.value} has no field(s) {sorted(unknown)}")
    return {key: {"value": write(values.get(field), key_type(key))} for field, key in keys.items()}
