import { afterEach, describe, expect, it, vi } from 'vitest'
import { createApp, defineComponent, h, nextTick, reactive, ref, type Ref } from 'vue'
import { ElMessage } from 'element-plus'
import type { Problem } from '@gongjian/client'
import { dismissProblem } from '@/composables/problem'
import { useFormDialog, type Answer, type FormDialogOptions } from '@/composables/useFormDialog'

const told: string[] = []
const refused: string[] = []
vi.spyOn(ElMessage, 'success').mockImplementation(((text: string) => void told.push(text)) as never)
vi.spyOn(ElMessage, 'error').mockImplementation(((o: { message: string; onClose?: () => void }) => {
  refused.push(o.message)
  return { close: () => o.onClose?.() }
}) as never)
afterEach(() => {
  dismissProblem() // one message at a time: the next test's refusal must not be taken for this one's
  told.length = 0
  refused.length = 0
})

const validation: Problem = {
  type: 'urn:gongjian:problem:validation_error',
  title: '请求内容无效',
  status: 422,
  code: 'validation_error',
  detail: '请检查标出的字段',
  errors: [
    { field: 'body.name', message: '名称已被使用' },
    { field: 'body.points.a', message: '超过满分' },
    { field: 'body.other', message: '不认识' },
  ],
}
const refusal = (problem: Problem): Answer<never> => ({ error: problem, response: new Response(null, { status: problem.status }) })
const saved = <T>(data: T, etag?: string): Answer<T> => ({ data, response: new Response(null, { headers: etag ? { ETag: etag } : {} }) })

async function flush() {
  for (let i = 0; i < 5; i++) {
    await nextTick()
    await new Promise((r) => setTimeout(r, 0))
  }
}

/** Stands for `<el-form>`: its rule is "name is required"; it counts the marks it is told to clear. */
const cleared = { count: 0 }
const FakeForm = defineComponent({
  props: { model: { type: Object, required: true } },
  setup(props, { expose }) {
    expose({
      validate: () => (props.model.name ? Promise.resolve(true) : Promise.reject({ name: [{ message: '请输入名称' }] })),
      clearValidate: () => void cleared.count++,
    })
    return () => h('form')
  },
})

/** A dialog's setup without the dialog: with `withForm`, its template has a `<el-form ref="formRef">`. */
function mountDialog<T>(options: (form: { name: string }) => FormDialogOptions<T>, withForm = true) {
  const open = ref(false)
  const form = reactive({ name: '' })
  let dialog!: ReturnType<typeof useFormDialog<T>>
  const Dialog = defineComponent({
    setup() {
      dialog = useFormDialog(open as Ref<boolean>, options(form))
      return () => (withForm ? h(FakeForm, { ref: 'formRef', model: form }) : h('div'))
    },
  })
  createApp(Dialog).mount(document.createElement('div'))
  return { open, form, dialog: () => dialog }
}

describe('useFormDialog', () => {
  it('fills the form and forgets the last errors each time it opens', async () => {
    const fill = vi.fn()
    const { open, dialog } = mountDialog(() => ({ fields: ['name'], fill, submit: async () => refusal(validation) }), false)
    open.value = true
    await flush()
    expect(fill).toHaveBeenCalledTimes(1)
    await dialog().save()
    expect(dialog().errors.name).toBe('名称已被使用')
    open.value = false
    await flush()
    open.value = true
    await flush()
    expect(fill).toHaveBeenCalledTimes(2)
    expect(dialog().errors).toEqual({})
  })

  it('sends nothing while the form’s rules fail or `check` says no', async () => {
    const submit = vi.fn(async () => saved({ id: 1 }))
    let allowed = true
    const { open, form, dialog } = mountDialog(() => ({ fields: ['name'], check: () => allowed, submit }))
    cleared.count = 0
    open.value = true
    await flush()
    expect(cleared.count).toBe(1) // the last attempt's marks are cleared on opening
    expect(await dialog().save()).toBe(false) // the form's rule: name is required
    expect(submit).not.toHaveBeenCalled()
    form.name = '老虎头'
    await flush()
    allowed = false
    expect(await dialog().save()).toBe(false)
    expect(submit).not.toHaveBeenCalled()
    allowed = true
    expect(await dialog().save()).toBe(true)
    expect(submit).toHaveBeenCalledTimes(1)
  })

  it('puts a refusal’s field errors on the form, the rest in the message, and stays open', async () => {
    const onSaved = vi.fn()
    const { open, dialog } = mountDialog(() => ({ fields: ['name', 'points.a'], submit: async () => refusal(validation), saved: onSaved }), false)
    open.value = true
    await flush()
    expect(await dialog().save()).toBe(false)
    expect(dialog().errors).toEqual({ name: '名称已被使用', 'points.a': '超过满分' })
    expect(refused).toEqual(['请求内容无效：请检查标出的字段；other：不认识'])
    expect(open.value).toBe(true)
    expect(onSaved).not.toHaveBeenCalled()
    expect(dialog().saving.value).toBe(false)
  })

  it('once saved says so, closes and hands over the record', async () => {
    const onSaved = vi.fn()
    const { open, dialog } = mountDialog(() => ({
      fields: ['name'],
      submit: async () => saved({ id: 7, name: '老虎头' }),
      success: (org) => `已保存 ${org.name}`,
      saved: onSaved,
    }), false)
    open.value = true
    await flush()
    expect(await dialog().save()).toBe(true)
    expect(told).toEqual(['已保存 老虎头'])
    expect(open.value).toBe(false)
    expect(onSaved).toHaveBeenCalledWith({ id: 7, name: '老虎头' })
  })

  it('stays open on the result when asked to', async () => {
    const { open, dialog } = mountDialog(() => ({ fields: [], submit: async () => saved({ number: 'Z-1' }), keepOpen: true }), false)
    open.value = true
    await flush()
    expect(await dialog().save()).toBe(true)
    expect(open.value).toBe(true)
    expect(told).toEqual([])
  })

  it('reads the record being edited and saves it with its ETag', async () => {
    const submit = vi.fn(async (_ifMatch: { 'If-Match'?: string }) => saved({ id: 3 }))
    let read: { id: number; name: string } | null = null
    const { open, form, dialog } = mountDialog(
      (f) => ({
        fields: ['name'],
        fill: async () => {
          read = await dialog().read(Promise.resolve(saved({ id: 3, name: '中院' }, '"v4"')))
          if (read) f.name = read.name
        },
        submit,
      }),
      false,
    )
    open.value = true
    await flush()
    expect(read).toEqual({ id: 3, name: '中院' })
    expect(form.name).toBe('中院')
    expect(dialog().loading.value).toBe(false)
    await dialog().save()
    expect(submit).toHaveBeenCalledWith({ 'If-Match': '"v4"' })
  })

  it('closes and says why when the record can’t be read', async () => {
    const gone: Problem = { type: 't', title: '未找到', status: 404, code: 'not_found', detail: '党员不存在' }
    const { open, dialog } = mountDialog(
      () => ({
        fields: [],
        fill: async () => {
          await dialog().read(Promise.resolve(refusal(gone)))
        },
        submit: async () => saved({}),
      }),
      false,
    )
    open.value = true
    await flush()
    expect(open.value).toBe(false)
    expect(refused).toEqual(['未找到：党员不存在'])
  })
})
