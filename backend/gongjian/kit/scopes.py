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
    "reports:read": "读取党员到社区报到的申请与报到码",
    "reports:write": "确认或退回报到申请，更换报到码",
    "activities:read": "读取活动、报名与签到",
    "activities:write": "维护活动、报名与签到",
    "hours:read": "读取志愿服务记录、时长与证明",
    "hours:write": "录入、审核志愿服务记录，出具志愿服务证明",
    "meetings:read": "读取联席会例会、议题与任务",
    "meetings:write": "维护联席会例会、议题与任务",
    "concerns:read": "读取社情民意",
    "concerns:write": "反映和处理社情民意",
    "honors:read": "读取荣誉",
    "honors:write": "登记荣誉",
    "stats:read": "读取年度统计",
    "webhooks:read": "读取 Webhook 订阅与投递记录",
    "webhooks:write": "订阅 Webhook、重发投递",
    "evaluations:read": "读取双向考评（API 客户端只能读取已定档的结果）",
    "evaluations:write": "维护考评周期与方案，社区、单位评分",
}
