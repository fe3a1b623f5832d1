/**
 * The 报到 form: what the member fills in after scanning the community's code, checked as the API
 * checks it (reports/schemas.py: name, gender, 11-digit mobile, category; an in-service member names
 * its unit, one of the community's partner units), and the body sent.
 */
import type { Schemas } from '@gongjian/client'

export type ReportForm = {
  code: string
  name: string
  gender: Schemas['Gender'] | ''
  mobile: string
  category: Schemas['MemberCategory'] | ''
  unit_org_id: number | null
  joined_party_on: string
  skills: string
}

export function emptyReportForm(code = ''): ReportForm {
  return { code, name: '', gender: '', mobile: '', category: '', unit_org_id: null, joined_party_on: '', skills: '' }
}

export function reportIssues(form: ReportForm): Record<string, string> {
  const issues: Record<string, string> = {}
  if (!form.code.trim()) issues.code = '请扫描或输入社区的报到码'
  if (!form.name.trim()) issues.name = '请填写姓名'
  else if (form.name.trim().length > 50) issues.name = '姓名不超过 50 个字'
  if (!form.gender) issues.gender = '请选择性别'
  if (!/^1\d{10}$/.test(form.mobile.trim())) issues.mobile = '请填写 11 位手机号'
  if (!form.category) issues.category = '请选择党员类别'
  if (form.category === 'in_service' && form.unit_org_id == null) issues.unit_org_id = '在职党员请填写工作单位'
  return issues
}

/** Skills typed as "理发、维修 家电" → ['理发', '维修', '家电'] (distinct, at most 20). */
export function skillsOf(text: string): string[] {
  const tags = text
    .split(/[\s,，、;；]+/)
    .map((t) => t.trim())
    .filter(Boolean)
  return [...new Set(tags)].slice(0, 20)
}

export function reportBody(form: ReportForm): Schemas['ReportCreate'] {
  return {
    code: form.code.trim(),
    name: form.name.trim(),
    gender: form.gender as Schemas['Gender'],
    mobile: form.mobile.trim(),
    category: form.category as Schemas['MemberCategory'],
    unit_org_id: form.unit_org_id,
    joined_party_on: form.joined_party_on || null,
    skills: skillsOf(form.skills),
  }
}
