"""API-key scopes: `<domain>:<verb>`. Each endpoint names the scope it needs (visible in the spec)."""

from __future__ import annotations

SCOPES: dict[str, str] = {
    "organizations:read": "读取党组织与共建关系",
    "organizations:write": "维护党组织与共建关系",
    "users:read": "读取账号",
    "users:write": "维护账号",
    "audit:read": "读取审计日志",
    "claims:read": "读取双向认领清单与认领记录",
    "claims:write": "发布服务项目、认领与验收",
    "wishes:read": "读取微心愿",
    "wishes:write": "登记、认领和实现微心愿",
    "members:read": "读取党员、服务卡与在社区表现记录",
    "members:write": "维护党员、服务卡与在社区表现记录，导入党员",
    "webhooks:read": "读取 Webhook 订阅与投递记录",
    "webhooks:write": "订阅 Webhook、重发投递",
}
