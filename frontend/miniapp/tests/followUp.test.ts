import { beforeEach, describe, expect, it } from 'vitest'
import { ref } from 'vue'
import type { Schemas } from '@gongjian/client'
import type { createFakeUni } from './fakeUni'
import { problem } from './fakeUni'
import { api } from '@/api/session'
import { call } from '@/api/call'
import { useFollowUp } from '@/composables/useFollowUp'

const fake = (globalThis as unknown as { __fakeUni: ReturnType<typeof createFakeUni> }).__fakeUni
type Concern = Schemas['ConcernRead']

/** A concern as the API answers it; only the fields the follow-up reads matter here. */
const concern = (changes: Partial<Concern>): Concern => ({ id: 7, status: 'submitted', allowed_actions: ['cancel'], rating: null, rating_comment: null, ...changes }) as Concern

function followUpOf(item: Concern, busy = ref(false)) {
  const data = ref<Concern | null>(item)
  const followUp = useFollowUp({
    item: data,
    busy,
    confirm: () => ({ title: '撤回反映', content: '确定撤回吗？' }),
    cancel: () => call(api.POST('/api/v1/concerns/{concern_id}/cancel', { params: { path: { concern_id: 7 } }, body: { reason: '' } })),
    rate: (rating, comment) => call(api.POST('/api/v1/concerns/{concern_id}/rate', { params: { path: { concern_id: 7 } }, body: { rating, comment } })),
  })
  return { data, ...followUp }
}

const posts = (path: string) => fake.calls.filter((c) => c.method === 'POST' && c.path === path)

beforeEach(() => {
  for (const key of Object.keys(fake.routes)) delete fake.routes[key]
  fake.modal.confirm = true
  fake.modal.asked.length = 0
  fake.toasts.length = 0
})

describe('useFollowUp: withdraw and rate as the API allows', () => {
  it('offers what allowed_actions says, and nothing while there is no item', () => {
    const f = followUpOf(concern({ allowed_actions: ['cancel'] }))
    expect([f.can('cancel'), f.can('rate')]).toEqual([true, false])
    f.data.value = concern({ allowed_actions: ['rate'] })
    expect([f.can('cancel'), f.can('rate')]).toEqual([false, true])
    f.data.value = null
    expect(f.can('rate')).toBe(false)
  })

  it('asks first, and sends nothing when the person says no', async () => {
    const f = followUpOf(concern({}))
    fake.modal.confirm = false
    expect(await f.withdraw()).toBe(false)
    expect(fake.modal.asked).toEqual(['撤回反映'])
    expect(posts('/api/v1/concerns/7/cancel')).toHaveLength(0)
    expect(f.data.value?.status).toBe('submitted')
  })

  it('withdraws once confirmed: the answer replaces the item, busy while it runs', async () => {
    const f = followUpOf(concern({}))
    let busyDuring = false
    fake.routes['POST /api/v1/concerns/7/cancel'] = (c) => {
      busyDuring = f.busy.value
      expect(JSON.parse(c.data ?? '{}')).toEqual({ reason: '' })
      return [200, concern({ status: 'cancelled', allowed_actions: [] })]
    }
    expect(await f.withdraw()).toBe(true)
    expect(busyDuring).toBe(true)
    expect(f.busy.value).toBe(false)
    expect(f.data.value).toMatchObject({ status: 'cancelled', allowed_actions: [] })
    expect(f.can('cancel')).toBe(false)
    expect(fake.toasts).toContain('已撤回')
  })

  it('keeps the item and says why when the withdrawal is refused', async () => {
    const f = followUpOf(concern({}))
    fake.routes['POST /api/v1/concerns/7/cancel'] = () => [409, problem(409, 'invalid_transition', '社区已受理，不能撤回')]
    expect(await f.withdraw()).toBe(false)
    expect(f.data.value?.status).toBe('submitted')
    expect(fake.toasts).toEqual(['社区已受理，不能撤回'])
  })

  it('puts a refused field on the rating form without a toast, and clears it once rated', async () => {
    const f = followUpOf(concern({ status: 'resolved', allowed_actions: ['rate'] }))
    fake.routes['POST /api/v1/concerns/7/rate'] = () => [
      422,
      problem(422, 'validation_error', '请求内容无效', { errors: [{ field: 'body.comment', message: '评价最多 500 字' }] }),
    ]
    expect(await f.rate(2, 'x'.repeat(600))).toBe(false)
    expect(f.rateErrors.value).toEqual({ comment: '评价最多 500 字' })
    expect(fake.toasts).toEqual([])

    fake.routes['POST /api/v1/concerns/7/rate'] = (c) => {
      expect(JSON.parse(c.data ?? '{}')).toEqual({ rating: 5, comment: '很及时' })
      return [200, concern({ status: 'resolved', allowed_actions: [], rating: 5, rating_comment: '很及时' })]
    }
    expect(await f.rate(5, '很及时')).toBe(true)
    expect(f.rateErrors.value).toEqual({})
    expect(f.data.value).toMatchObject({ rating: 5, rating_comment: '很及时' })
    expect(f.can('rate')).toBe(false)
    expect(fake.toasts).toEqual(['感谢评价'])
  })

  it('a problem with no field is a toast', async () => {
    const f = followUpOf(concern({ status: 'resolved', allowed_actions: ['rate'] }))
    fake.routes['POST /api/v1/concerns/7/rate'] = () => [409, problem(409, 'already_rated', '已评价过')]
    expect(await f.rate(4, '')).toBe(false)
    expect(f.rateErrors.value).toEqual({})
    expect(fake.toasts).toEqual(['已评价过'])
  })

  it('shares the screen\'s busy flag, so its other buttons wait too', async () => {
    const shared = ref(false)
    const f = followUpOf(concern({ status: 'resolved', allowed_actions: ['rate'] }), shared)
    expect(f.busy).toBe(shared)
    let seen = false
    fake.routes['POST /api/v1/concerns/7/rate'] = () => {
      seen = shared.value
      return [200, concern({ status: 'resolved', allowed_actions: [], rating: 4 })]
    }
    await f.rate(4, '')
    expect(seen).toBe(true)
    expect(shared.value).toBe(false)
  })
})
