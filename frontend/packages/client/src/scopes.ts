// Generated from openapi.yaml by scripts/generate.mjs — do not edit.

/** Scopes an API key may be given, with the description the API documents for each. */
export const API_SCOPES = [
  { code: "organizations:read", label: "读取党组织与共建关系" },
  { code: "organizations:write", label: "维护党组织与共建关系" },
  { code: "users:read", label: "读取账号" },
  { code: "users:write", label: "维护账号" },
  { code: "audit:read", label: "读取审计日志" },
] as const

export type ApiScope = (typeof API_SCOPES)[number]['code']
