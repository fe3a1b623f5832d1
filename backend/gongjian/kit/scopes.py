"""API-key scopes: `<domain>:<verb>`. Each endpoint names the scope it needs (visible in the spec)."""

from __future__ import annotations

SCOPES: dict[str, str] = {
    "organizations:read": "读取党组织与共建关系",
    "organizations:write": "维护党组织与共建关系",
    "users:read": "读取账号",
    "users:write": "维护账号",
    "audit:read": "读取审计日志",
    "activities:read": "读取活动、报名与签到",
    "activities:write": "维护活动、报名与签到",
    "hours:read": "读取志愿服务记录、时长与证明",
    "hours:write": "录入、审核志愿服务记录，出具志愿服务证明",
}
