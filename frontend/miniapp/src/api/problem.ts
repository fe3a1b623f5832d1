/**
 * problem+json shown to people: a one-line Chinese message, and each `errors[]` entry keyed by the
 * form field it names (`body.mobile` → `mobile`), for the field's error text.
 */
import { asProblem, type Problem } from '@gongjian/client'

export type FieldErrors = Record<string, string>

export { asProblem, type Problem }

export function problemMessage(problem: Problem): string {
  if (problem.status === 412) return '已被他人修改，请刷新后重试'
  return problem.detail ? `${problem.title}：${problem.detail}` : problem.title
}

/** Errors of the request body by top-level field; messages for one field are joined. */
export function fieldErrors(problem: Problem): FieldErrors {
  const out: FieldErrors = {}
  for (const { field, message } of problem.errors ?? []) {
    const parts = field.split('.')
    if (parts[0] !== 'body' || parts.length < 2) continue
    out[parts[1]] = out[parts[1]] ? `${out[parts[1]]}；${message}` : message
  }
  return out
}

/** The problem of a failed call's `{ error, response }`, or of a thrown network error. */
export function problemOf(result: { error?: unknown; response?: { status: number } } | unknown): Problem {
  if (result && typeof result === 'object' && 'response' in result) {
    const r = result as { error?: unknown; response?: { status: number } }
    return asProblem(r.error, r.response?.status)
  }
  return asProblem(result)
}

/** Shows a problem as a toast (the screens also put field errors on their fields). */
export function toastProblem(problem: Problem): void {
  uni.showToast({ title: problemMessage(problem), icon: 'none', duration: 3000 })
}
