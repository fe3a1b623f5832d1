/**
 * problem+json shown to people: the Chinese title and detail in a message, and each `errors[]`
 * entry on the form item it names (`body.name` → the `name` item).
 */
import { ElMessage } from 'element-plus'
import { reactive } from 'vue'
import type { Problem } from '@gongjian/client'

export type FieldErrors = Record<string, string>

/** Field errors of `problem` keyed by the form field under `location` ('body' for request bodies). */
export function fieldErrorsOf(problem: Problem, location = 'body'): FieldErrors {
  const result: FieldErrors = {}
  for (const { field, message } of problem.errors ?? []) {
    const parts = field.split('.')
    if (parts[0] !== location || parts.length < 2) continue
    const key = parts[1]
    result[key] = result[key] ? `${result[key]}；${message}` : message
  }
  return result
}

/** The one-line text people see for a problem. */
export function problemMessage(problem: Problem): string {
  // Someone saved the record after it was read (If-Match no longer matches): say what to do.
  if (problem.status === 412) return '已被他人修改，请刷新'
  return problem.detail ? `${problem.title}：${problem.detail}` : problem.title
}

export function showProblem(problem: Problem): void {
  ElMessage.error({ message: problemMessage(problem), grouping: true, duration: 5000 })
}

/**
 * Error state of one form: `errors[field]` goes to `<el-form-item :error="errors.field">`.
 * `report` shows the message and maps field errors; it returns the fields it could place.
 */
export function useFormProblem(fields: readonly string[]) {
  const errors = reactive<FieldErrors>({})

  function clear(): void {
    for (const key of Object.keys(errors)) delete errors[key]
  }

  function report(problem: Problem): string[] {
    clear()
    const found = fieldErrorsOf(problem)
    const placed = Object.keys(found).filter((key) => fields.includes(key))
    for (const key of placed) errors[key] = found[key]
    const unplaced = Object.entries(found).filter(([key]) => !fields.includes(key))
    const extra = unplaced.map(([key, message]) => `${key}：${message}`).join('；')
    showProblem(extra ? { ...problem, detail: [problem.detail, extra].filter(Boolean).join('；') } : problem)
    return placed
  }

  return { errors, clear, report }
}
