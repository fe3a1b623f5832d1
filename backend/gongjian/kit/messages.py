"""Chinese messages for validation errors, keyed by Pydantic's stable error `type`.

Clients show `errors[].message` next to the field, so it is written for a person. Unknown types fall
back to Pydantic's English message rather than to nothing.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from pydantic_core import PydanticCustomError

from gongjian.models.enums import ENUM_REGISTRY, LabelledEnum

_MESSAGES: dict[str, str] = {
    "missing": "必填",
    "extra_forbidden": "不认识的字段",
    "string_type": "应为文本",
    "string_too_short": "至少 {min_length} 个字符",
    "string_too_long": "最多 {max_length} 个字符",
    "string_pattern_mismatch": "格式不正确",
    "int_parsing": "应为整数",
    "int_type": "应为整数",
    "int_from_float": "应为整数",
    "float_parsing": "应为数字",
    "float_type": "应为数字",
    "decimal_parsing": "应为数字",
    "greater_than": "应大于 {gt}",
    "greater_than_equal": "不能小于 {ge}",
    "less_than": "应小于 {lt}",
    "less_than_equal": "不能大于 {le}",
    "bool_parsing": "应为 true 或 false",
    "bool_type": "应为 true 或 false",
    "date_parsing": "日期格式应为 YYYY-MM-DD",
    "date_from_datetime_parsing": "日期格式应为 YYYY-MM-DD",
    "date_from_datetime_inexact": "应为日期，不含时间",
    "date_type": "应为日期（YYYY-MM-DD）",
    "datetime_parsing": "时间格式应为 ISO 8601，如 2017-03-01T09:00:00+08:00",
    "datetime_from_date_parsing": "时间格式应为 ISO 8601，如 2017-03-01T09:00:00+08:00",
    "datetime_type": "应为时间（ISO 8601）",
    "timezone_aware": "时间须带时区，如 +08:00",
    "list_type": "应为列表",
    "too_short": "至少 {min_length} 项",
    "too_long": "最多 {max_length} 项",
    "dict_type": "应为对象",
    "model_type": "应为对象",
    "model_attributes_type": "应为对象",
    "json_invalid": "不是有效的 JSON",
    "json_type": "不是有效的 JSON",
    "url_parsing": "应为网址",
    "url_scheme": "网址应以 http:// 或 https:// 开头",
    "uuid_parsing": "应为 UUID",
}


# The error type of `field_error`: a model validator's rule about named fields.
FIELD_ERROR = "field_error"
_FIELD_KEY = "gongjian_field"


def field_error(field: str, message: str) -> PydanticCustomError:
    """Raise from a model validator a rule that concerns one field (ends before it starts, ...):
    the answer's `errors[].field` then names that field (`body.ends_at`), so a form marks the input
    to fix, instead of the whole body (`body`), which no form item can show."""
    # Pydantic fills `{name}` from the context into the message: the key is one no message names.
    return PydanticCustomError(FIELD_ERROR, message, {_FIELD_KEY: field})


def error_loc(error: Mapping[str, Any]) -> tuple[Any, ...]:
    """Where an error belongs: Pydantic's location, plus the field a `field_error` names."""
    loc = tuple(error.get("loc", ()))
    if error.get("type") == FIELD_ERROR:
        return (*loc, (error.get("ctx") or {}).get(_FIELD_KEY, ""))
    return loc


# Pydantic's list of what a choice field takes: `'a', 'b' or 'c'`, or for a Literal of enum members
# `<WishStatus.submitted: 'submitted'> or <…>`.
_QUOTED = re.compile(r"'((?:[^'\\]|\\.)*)'")
_ENUM_MEMBER = re.compile(r"<(\w+)\.\w+: ")


def _choices(expected: str) -> str:
    """The choices of an enum or Literal as people read them: the enum's Chinese labels when the
    codes are one labelled enum's (or several enums agreeing on their labels), else the codes."""
    codes = _QUOTED.findall(expected)
    if not codes:
        return expected
    named = {m.group(1) for m in _ENUM_MEMBER.finditer(expected)}
    candidates: list[type[LabelledEnum]] = [
        enum
        for enum in ENUM_REGISTRY.values()
        if (enum.__name__ in named if named else True) and set(codes) <= {m.value for m in enum}
    ]
    labels = {tuple(enum.label_of(c) for c in codes) for enum in candidates}
    if len(labels) == 1:
        return "、".join(labels.pop())
    # Several enums hold these codes under different labels (待审核 / 待确认): the smallest one that
    # holds exactly them, when there is one such, else the codes.
    exact = {tuple(e.label_of(c) for c in codes) for e in candidates if {m.value for m in e} == set(codes)}
    return "、".join(exact.pop()) if len(exact) == 1 else "、".join(codes)


def message_for(error: Mapping[str, Any]) -> str:
    kind = str(error.get("type", ""))
    if kind in ("enum", "literal_error"):
        return f"应为以下之一：{_choices(str((error.get('ctx') or {}).get('expected', '')))}"
    if kind == FIELD_ERROR:
        return str(error.get("msg", ""))
    if kind == "value_error":
        # Our own validators raise ValueError with a Chinese sentence; Pydantic prefixes it.
        return str(error.get("msg", "")).removeprefix("Value error, ")
    template = _MESSAGES.get(kind)
    if template is None:
        return str(error.get("msg", ""))
    context = {
        k: ("、".join(str(x) for x in v) if isinstance(v, list | tuple) else v)
        for k, v in (error.get("ctx") or {}).items()
    }
    try:
        return template.format(**context)
    except (KeyError, IndexError):
        return template.split("{")[0].rstrip("：， ") or str(error.get("msg", ""))
