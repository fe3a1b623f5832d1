"""Chinese messages for validation errors, keyed by Pydantic's stable error `type`.

Clients show `errors[].message` next to the field, so it is written for a person. Unknown types fall
back to Pydantic's English message rather than to nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic_core import PydanticCustomError

_MESSAGES: dict[str, str] = {
    "missing": "必填",
    "extra_forbidden": "不认识的字段",
    "string_type": "应为文本",
    "string_too_short": "至少 {min_length} 个字符",
    "string_too_long": "最多 {max_length} 个字符",
    "string_pattern_mismatch": "格式不正确",
    "enum": "取值应为：{expected}",
    "literal_error": "取值应为：{expected}",
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


def message_for(error: Mapping[str, Any]) -> str:
    kind = str(error.get("type", ""))
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
