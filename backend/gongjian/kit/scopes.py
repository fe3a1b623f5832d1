"""API-key scopes: `<domain>:<verb>`. Each endpoint names the scope it needs (visible in the spec)."""

from __future__ import annotations

SCOPES: dict[str, str] = {
    "organizations:read": "读取党组织与共建关系",
    "organizations:write": "维护党组织与共建关系",
    "users:read": "读取账号",
    "users:write": "维护账号",
    "audit:read": "读取审计日志",
    "members:read": "读取党员、服务卡与在社区表现记录",
    "members:write": "维护党员、服务卡与在社区表现记录，导入党员",
}
