// Generated from openapi.yaml by scripts/generate.mjs — do not edit.

/** Scopes an API key may be given, with the description the API documents for each. */
export const API_SCOPES = [
  { code: "organizations:read", label: "读取党组织与共建关系" },
  { code: "organizations:write", label: "维护党组织与共建关系" },
  { code: "users:read", label: "读取账号" },
  { code: "users:write", label: "维护账号" },
  { code: "audit:read", label: "读取审计日志" },
  { code: "claims:read", label: "读取双向认领清单与认领记录" },
  { code: "claims:write", label: "发布服务项目、认领与验收" },
  { code: "wishes:read", label: "读取微心愿" },
  { code: "wishes:write", label: "登记、认领和实现微心愿" },
  { code: "members:read", label: "读取党员、服务卡与在社区表现记录" },
  { code: "members:write", label: "维护党员、服务卡与在社区表现记录，导入党员" },
  { code: "reports:read", label: "读取党员到社区报到的申请与报到码" },
  { code: "reports:write", label: "确认或退回报到申请，更换报到码" },
  { code: "activities:read", label: "读取活动、报名与签到" },
  { code: "activities:write", label: "维护活动、报名与签到" },
  { code: "hours:read", label: "读取志愿服务记录、时长与证明" },
  { code: "hours:write", label: "录入、审核志愿服务记录，出具志愿服务证明" },
  { code: "meetings:read", label: "读取联席会例会、议题与任务" },
  { code: "meetings:write", label: "维护联席会例会、议题与任务" },
  { code: "concerns:read", label: "读取社情民意" },
  { code: "concerns:write", label: "反映和处理社情民意" },
  { code: "honors:read", label: "读取荣誉" },
  { code: "honors:write", label: "登记荣誉" },
  { code: "stats:read", label: "读取年度统计" },
  { code: "webhooks:read", label: "读取 Webhook 订阅与投递记录" },
  { code: "webhooks:write", label: "订阅 Webhook、重发投递" },
  { code: "notifications:read", label: "读取微信订阅消息的发送记录" },
  { code: "notifications:write", label: "重新发送发送失败的订阅消息" },
  { code: "evaluations:read", label: "读取双向考评（API 客户端只能读取已定档的结果）" },
  { code: "uploads:read", label: "读取图片与附件（能看到所属对象时）" },
  { code: "uploads:write", label: "上传图片，附加和取下附件" },
  { code: "evaluations:write", label: "维护考评周期与方案，社区、单位评分" },
] as const

export type ApiScope = (typeof API_SCOPES)[number]['code']
