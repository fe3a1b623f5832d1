/**
 * problem+json shown to people: the Chinese title and detail in a message, and each `errors[]`
 * entry on the form item it names (`body.name` → the `name` item).
 */
import { ElMessage, type MessageHandler } from 'element-plus'
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
  // A refusal of this action (a conflict, a rule the request broke) is a plain sentence on its own:
  // "活动已开始，不能取消报名", not "操作冲突：活动已开始，…". Only the generic validation answer
  // keeps its title, pointing at the marked fields.
  if (problem.detail && (problem.status === 409 || problem.status === 422) && problem.code !== 'validation_error') return problem.detail
  // Shown where no form marks the fields (a list's action, a query): "check the marked fields"
  // would point at nothing, so the errors' own sentences are the message.
  if (problem.code === 'validation_error' && problem.errors?.length) return `${problem.title}：${problem.errors.map((e) => e.message).join('；')}`
  return problem.detail ? `${problem.title}：${problem.detail}` : problem.title
}

/**
 * How long after a failure is shown other failures count as the same one: a page that loads three
 * things at once and loses the server fails three times in a few milliseconds, and says so once.
 */
export const SAME_FAILURE_MS = 1500

let shown: { handler: MessageHandler; message: string; at: number } | null = null

/**
 * Shows one failure: one message on screen at a time. Failures arriving while a message is shown
 * and within `SAME_FAILURE_MS` of it (or saying the same thing) are that failure seen through other
 * requests and add nothing; a later, different one takes the earlier one's place.
 */
export function showProblem(problem: Problem): void {
  const message = problemMessage(problem)
  const now = Date.now()
  if (shown && (shown.message === message || now - shown.at < SAME_FAILURE_MS)) return
  shown?.handler.close()
  const handler = ElMessage.error({
    message,
    duration: 5000,
    onClose: () => {
      if (shown?.handler === handler) shown = null
    },
  })
  shown = { handler, message, at: now }
}

/** Closes the failure on screen, if any (the next failure is then shown whenever it comes). */
export function dismissProblem(): void {
  shown?.handler.close()
  shown = null
}

/**
 * The form field a body error belongs to: the longest leading part of its path that is one of
 * `fields` (`body.points.a` → `points.a` when the form has that item, else `points`), or, when none
 * is, the top-level name it can't be shown on.
 */
function formFieldOf(path: string[], fields: readonly string[]): { key: string; placed: boolean } {
  for (let n = path.length; n >= 1; n--) {
    const key = path.slice(0, n).join('.')
    if (fields.includes(key)) return { key, placed: true }
  }
  return { key: path[0], placed: false }
}

/**
 * Error state of one form: `errors[field]` goes to `<el-form-item :error="errors.field">`.
 * `report` shows the message and maps field errors; it returns the fields it could place.
 * `fields` may be a getter when the form's items change (one per criterion, say).
 */
export function useFormProblem(fields: readonly string[] | (() => readonly string[]), labels: Record<string, string> = {}) {
  const errors = reactive<FieldErrors>({})

  function clear(): void {
    for (const key of Object.keys(errors)) delete errors[key]
  }

  function report(problem: Problem): string[] {
    clear()
    const known = typeof fields === 'function' ? fields() : fields
    const placed: FieldErrors = {}
    const unplaced: FieldErrors = {}
    // Errors about the request as a whole (`body`, a query parameter): said in the message.
    const whole: string[] = []
    for (const { field, message } of problem.errors ?? []) {
      const parts = field.split('.')
      if (parts[0] !== 'body' || parts.length < 2) {
        whole.push(message)
        continue
      }
      const { key, placed: onForm } = formFieldOf(parts.slice(1), known)
      const into = onForm ? placed : unplaced
      into[key] = into[key] ? `${into[key]}；${message}` : message
    }
    Object.assign(errors, placed)
    // A refusal naming its field repeats its detail there: said once.
    const extra = [
      ...Object.entries(unplaced)
        .filter(([, message]) => message !== problem.detail)
        .map(([key, message]) => `${labels[key] ?? key}：${message}`),
      ...whole.filter((message) => message !== problem.detail),
    ]
    if (problem.code === 'validation_error' && !Object.keys(placed).length && extra.length) {
      // Nothing is marked on the form: the sentences themselves, not "check the marked fields".
      showProblem({ ...problem, errors: [], detail: extra.join('；') })
    } else if (problem.code === 'validation_error' && Object.keys(placed).length) {
      // The marked items say what is wrong; the message says where to look, and what no item shows.
      showProblem({ ...problem, errors: [], detail: extra.length ? `请检查标出的字段；${extra.join('；')}` : '请检查标出的字段' })
    } else {
      showProblem(extra.length ? { ...problem, errors: [], detail: [problem.detail, ...extra].filter(Boolean).join('；') } : problem)
    }
    return Object.keys(placed)
  }

  return { errors, clear, report }
}
