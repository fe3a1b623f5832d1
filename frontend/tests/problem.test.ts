import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'

/** Every message shown, and those still on screen (closed by the code or by the test). */
const shown: string[] = []
const onScreen = new Set<string>()
vi.mock('element-plus', () => ({
  ElMessage: {
    error: (o: { message: string; onClose?: () => void }) => {
      shown.push(o.message)
      onScreen.add(o.message)
      return {
        close: () => {
          onScreen.delete(o.message)
          o.onClose?.()
        },
      }
    },
  },
}))

const { SAME_FAILURE_MS, dismissProblem, fieldErrorsOf, problemMessage, showProblem, useFormProblem } = await import('@/composables/problem')
// Each test starts with nothing on screen (the message of the previous one would swallow its own).
beforeEach(() => dismissProblem())

const validation = {
  type: 'urn:gongjian:problem:validation_error',
  title: '请求内容无效',
  status: 422,
  code: 'validation_error',
  detail: '请检查标出的字段',
  errors: [
    { field: 'body.name', message: '名称太短' },
    { field: 'body.scopes.0', message: '未知的作用域' },
    { field: 'body.scopes.1', message: '重复' },
    { field: 'query.page', message: '页码无效' },
    { field: 'body', message: '结束日期不能早于开始日期' },
  ],
}

describe('fieldErrorsOf', () => {
  it('maps body fields to form fields, joining messages of one field', () => {
    expect(fieldErrorsOf(validation)).toEqual({ name: '名称太短', scopes: '未知的作用域；重复' })
  })
  it('reads other locations when asked', () => {
    expect(fieldErrorsOf(validation, 'query')).toEqual({ page: '页码无效' })
  })
  it('copes with problems that list no fields', () => {
    expect(fieldErrorsOf({ type: 't', title: '操作冲突', status: 409, code: 'conflict' })).toEqual({})
  })
})

describe('problemMessage', () => {
  it('shows the Chinese title and detail', () => {
    // Outside a form nothing is marked: the errors' own sentences, never "check the marked fields".
    expect(problemMessage(validation)).toBe('请求内容无效：名称太短；未知的作用域；重复；页码无效；结束日期不能早于开始日期')
    expect(problemMessage({ type: 't', title: '未找到', status: 404, code: 'not_found', detail: null })).toBe('未找到')
  })
  it('says a conflict or a broken rule as a plain sentence, without the title', () => {
    expect(problemMessage({ type: 't', title: '操作冲突', status: 409, code: 'activity_started', detail: '活动已开始，不能取消报名' })).toBe('活动已开始，不能取消报名')
    expect(problemMessage({ type: 't', title: '请求内容无效', status: 422, code: 'wrong_password', detail: '当前密码不正确' })).toBe('当前密码不正确')
    expect(problemMessage({ type: 't', title: '无权操作', status: 403, code: 'forbidden', detail: '只有组织单位的管理员可以审核该记录' })).toBe('无权操作：只有组织单位的管理员可以审核该记录')
  })
})

describe('useFormProblem', () => {
  it('places errors on known fields and names the rest in the message', () => {
    shown.length = 0
    const form = useFormProblem(['name', 'code'])
    const placed = form.report(validation)
    expect(placed).toEqual(['name'])
    expect(form.errors).toEqual({ name: '名称太短' })
    expect(shown).toHaveLength(1)
    expect(shown[0]).toContain('请求内容无效：请检查标出的字段')
    expect(shown[0]).toContain('scopes：未知的作用域；重复')
    // What concerns the request as a whole is said too, not dropped.
    expect(shown[0]).toContain('结束日期不能早于开始日期')
  })
  it('says the sentences themselves when no field of the form is marked, with its labels', () => {
    shown.length = 0
    const form = useFormProblem(['title'], { recipient_org_id: '获奖组织' })
    const problem = { ...validation, errors: [{ field: 'body.recipient_org_id', message: '必填' }, { field: 'body', message: '结束时间必须晚于开始时间' }] }
    expect(form.report(problem)).toEqual([])
    expect(shown).toEqual(['请求内容无效：获奖组织：必填；结束时间必须晚于开始时间'])
  })
  it('says a refusal on its field once, as a plain sentence', () => {
    shown.length = 0
    const form = useFormProblem(['name'])
    const taken = { type: 't', title: '操作冲突', status: 409, code: 'name_taken', detail: '名称已被使用', errors: [{ field: 'body.name', message: '名称已被使用' }] }
    expect(form.report(taken)).toEqual(['name'])
    expect(form.errors).toEqual({ name: '名称已被使用' })
    expect(shown).toEqual(['名称已被使用'])
    shown.length = 0
    dismissProblem()
    useFormProblem(['code']).report(taken)
    expect(shown).toEqual(['名称已被使用'])
  })
  it('places nested errors on the deepest item the form has, read from a getter when items change', () => {
    shown.length = 0
    const items = ['opinion', 'points']
    const form = useFormProblem(() => items)
    const nested = { ...validation, errors: [{ field: 'body.points.a', message: '超过满分' }, { field: 'body.points.b', message: '缺少' }] }
    expect(form.report(nested)).toEqual(['points'])
    expect(form.errors).toEqual({ points: '超过满分；缺少' })
    items.push('points.a')
    expect(form.report(nested)).toEqual(['points.a', 'points'])
    expect(form.errors).toEqual({ 'points.a': '超过满分', points: '缺少' })
    expect(shown.at(-1)).toBe('请求内容无效：请检查标出的字段')
  })
  it('clears the previous errors on the next report', () => {
    const form = useFormProblem(['name'])
    form.report(validation)
    form.report({ type: 't', title: '操作冲突', status: 409, code: 'conflict', detail: '名称已被使用' })
    expect(form.errors).toEqual({})
  })
})

describe('a stale If-Match (412)', () => {
  it('tells people someone else changed the record', () => {
    expect(problemMessage({ type: 'x', title: '记录已被修改', status: 412, code: 'precondition_failed', detail: '…' })).toBe('已被他人修改，请刷新')
  })
})

describe('one message per failure', () => {
  const failed = (path: string) => ({ type: 't', title: '服务暂不可用', status: 503, code: 'unavailable', detail: path })
  beforeEach(() => {
    vi.useFakeTimers()
    shown.length = 0
  })
  afterEach(() => vi.useRealTimers())

  it('says once what three requests of one page met at once, even in three words', () => {
    showProblem(failed('/members/1'))
    showProblem(failed('/members/1/cards'))
    showProblem(failed('/members/1/community-records'))
    expect(shown).toEqual(['服务暂不可用：/members/1'])
    expect([...onScreen]).toEqual(['服务暂不可用：/members/1'])
  })
  it('says the same thing once while it is on screen, however late it comes again', () => {
    showProblem(failed('/x'))
    vi.advanceTimersByTime(SAME_FAILURE_MS * 2)
    showProblem(failed('/x'))
    expect(shown).toEqual(['服务暂不可用：/x'])
  })
  it('lets a later, different failure take the earlier one’s place: still one on screen', () => {
    showProblem(failed('/x'))
    vi.advanceTimersByTime(SAME_FAILURE_MS + 1)
    showProblem(failed('/y'))
    expect(shown).toEqual(['服务暂不可用：/x', '服务暂不可用：/y'])
    expect([...onScreen]).toEqual(['服务暂不可用：/y'])
  })
  it('shows the next failure once the message is gone, even the same one', () => {
    showProblem(failed('/x'))
    dismissProblem()
    showProblem(failed('/x'))
    expect(shown).toEqual(['服务暂不可用：/x', '服务暂不可用：/x'])
  })
})
