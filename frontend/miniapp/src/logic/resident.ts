/**
 * A resident's wishes and concerns: the forms it fills in (what must not be left empty — the API
 * checks the rest and its problems land on the fields), the progress it follows, and its rating.
 * What it may do to one (withdraw, rate) is the API's `allowed_actions`, never worked out here.
 */
import type { Schemas } from '@gongjian/client'

export type Wish = Schemas['WishRead']
export type Concern = Schemas['ConcernRead']
export type PostType = 'wish' | 'concern'

export type PostForm = {
  /** A wish's text, or a concern's title (the problem in one line). */
  text: string
  /** A concern's details (where, since when, how often). */
  description: string
  location: string
  kind: Schemas['WishKind'] | ''
  category: Schemas['ConcernCategory'] | ''
}

export function emptyPostForm(): PostForm {
  return { text: '', description: '', location: '', kind: '', category: '' }
}

/** Issues keyed by the form's fields (`text` for a wish's content or a concern's title). */
export function postIssues(type: PostType, form: PostForm): Record<string, string> {
  const issues: Record<string, string> = {}
  if (type === 'wish') {
    if (!form.text.trim()) issues.text = '请写下你的心愿'
    if (!form.kind) issues.kind = '请选择心愿类型'
  } else {
    if (!form.text.trim()) issues.text = '请写下要反映的问题'
    if (!form.category) issues.category = '请选择问题类别'
  }
  return issues
}

export function wishBody(form: PostForm): Schemas['WishCreate'] {
  return { content: form.text.trim(), kind: form.kind as Schemas['WishKind'] }
}

export function concernBody(form: PostForm): Schemas['ConcernCreate'] {
  return {
    title: form.text.trim(),
    category: form.category as Schemas['ConcernCategory'],
    description: form.description.trim(),
    location: form.location.trim(),
  }
}

/** The API names a wish's text `content` and a concern's `title`; the form has one field for both. */
export function formField(field: string): string {
  return field === 'content' || field === 'title' ? 'text' : field
}

export interface ProgressStep {
  title: string
  at: string
  note?: string
}

/** A wish's progress from its times, oldest first: 提交 → 核实 → 发布 → 认领 → 实现 → 回访, or its end. */
export function wishProgress(wish: Wish): ProgressStep[] {
  const steps: (ProgressStep | null)[] = [
    { title: '提交心愿', at: wish.created_at },
    wish.verified_at ? { title: '社区已核实', at: wish.verified_at } : null,
    wish.published_at ? { title: '已发布，等待认领', at: wish.published_at } : null,
    wish.claimed_at && wish.status !== 'published' ? { title: wish.claimant_org ? `${wish.claimant_org.name}已认领` : '党员已认领', at: wish.claimed_at } : null,
    wish.fulfilled_at ? { title: '心愿已实现', at: wish.fulfilled_at, note: wish.fulfil_note ?? undefined } : null,
    wish.closed_at ? { title: '社区已回访', at: wish.closed_at, note: wish.followup_feedback ?? undefined } : null,
    wish.ended_at ? { title: wish.status === 'rejected' ? '未通过核实' : '已取消', at: wish.ended_at, note: wish.end_reason || undefined } : null,
  ]
  return steps.filter((s): s is ProgressStep => s !== null).sort((a, b) => Date.parse(a.at) - Date.parse(b.at))
}

/** A concern's progress: each step the community took, with the note it wrote back. */
export function concernProgress(concern: Concern, statusLabel: (status: string) => string): ProgressStep[] {
  return concern.steps.map((step) => ({
    title: step.from_status === null ? '提交反映' : step.escalated_to ? `${statusLabel(step.to_status)}：${step.escalated_to}` : statusLabel(step.to_status),
    at: step.at,
    note: step.note || undefined,
  }))
}

export const RATING_WORDS = ['', '很不满意', '不满意', '一般', '满意', '非常满意']

export function ratingIssues(rating: number): Record<string, string> {
  return rating >= 1 && rating <= 5 ? {} : { rating: '请选择满意度' }
}
