/**
 * What every form dialog does around its own fields and call: each time it opens, forget the last
 * errors and validation marks and fill the form (reading the record first when editing); on save,
 * check the form, send, show a refusal's field errors on the form items they name (the rest in the
 * message), or say it is done, close and hand the saved record to the caller.
 */
import { ref, useTemplateRef, watch, type Ref } from 'vue'
import { ElMessage, type FormInstance } from 'element-plus'
import { asProblem } from '@gongjian/client'
import { showProblem, useFormProblem } from './problem'

/** What an API call answers (the typed client's result): `data` on success, else `error`. */
export interface Answer<T> {
  data?: T
  error?: unknown
  response?: Response
}

/** `If-Match` for the record read on opening, so a save can't overwrite someone else's change; empty if none was read. */
export type IfMatchRead = { 'If-Match'?: string }

export interface FormDialogOptions<T> {
  /** The form's fields as the API names them (`body.<field>`); a getter when the items change. */
  fields: readonly string[] | (() => readonly string[])
  /** Fills the form each time the dialog opens (after the last errors were cleared). */
  fill?: () => unknown
  /** Checks the form's rules can't express: set `errors` and return false to send nothing. */
  check?: () => boolean
  /** The call that saves; `ifMatchRead` is the `If-Match` of the record `read` when the dialog opened. */
  submit: (ifMatchRead: IfMatchRead) => Promise<Answer<T>>
  /** What to tell people once it is saved; nothing when absent. */
  success?: string | ((saved: T) => string)
  /** Stay open once saved (the dialog then shows the result). */
  keepOpen?: boolean
  /** Runs once saved, after the dialog closed: typically `emit('saved', saved)`. */
  saved?: (saved: T) => void
}

/**
 * `open` is the dialog's `v-model`. The `<el-form ref="formRef">` in the dialog's template, if it
 * has one, is the form whose rules must pass before anything is sent.
 */
export function useFormDialog<T>(open: Ref<boolean>, options: FormDialogOptions<T>) {
  const formRef = useTemplateRef<FormInstance>('formRef')
  const { errors, clear, report } = useFormProblem(options.fields)
  const saving = ref(false)
  const loading = ref(false)
  let etag: string | null = null

  watch(open, (isOpen) => {
    if (!isOpen) return
    clear()
    formRef.value?.clearValidate()
    etag = null
    void options.fill?.()
  })

  /**
   * Reads the record being edited (call it from `fill`): resolves to it and keeps its ETag for
   * `submit`'s `ifMatchRead`; when the API refuses, shows why, closes the dialog and resolves to null.
   */
  async function read<R>(request: Promise<Answer<R>>): Promise<R | null> {
    loading.value = true
    const answer = await request.finally(() => (loading.value = false))
    if (answer.data === undefined) {
      showProblem(asProblem(answer.error, answer.response?.status))
      open.value = false
      return null
    }
    etag = answer.response?.headers.get('ETag') ?? null
    return answer.data
  }

  /** Checks, sends and reports; resolves to whether it was saved. */
  async function save(): Promise<boolean> {
    clear()
    if (formRef.value && !(await formRef.value.validate().catch(() => false))) return false
    if (options.check && !options.check()) return false
    saving.value = true
    const answer = await options.submit(etag ? { 'If-Match': etag } : {}).finally(() => (saving.value = false))
    if (answer.data === undefined) {
      report(asProblem(answer.error, answer.response?.status))
      return false
    }
    const saved = answer.data
    const message = typeof options.success === 'function' ? options.success(saved) : options.success
    if (message) ElMessage.success(message)
    if (!options.keepOpen) open.value = false
    options.saved?.(saved)
    return true
  }

  return { formRef, errors, clear, saving, loading, save, read }
}
