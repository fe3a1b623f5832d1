// Subscription-message consent in the mini-program: template ids from the API, WeChat's dialog
// (a fake `uni.requestSubscribeMessage`), the answers recorded with the API. Vitest does not apply
// uni-app's conditional compilation, so this is the mini-program's path (the web build asks nothing).
import { beforeEach, describe, expect, it } from 'vitest'
import type { createFakeUni } from './fakeUni'
import { askConsent, KINDS_OF, loadTemplates, resetTemplates, subscriptionsAvailable } from '@/api/consent'
import { clearTokens, saveTokens } from '@/api/session'

const fake = (globalThis as unknown as { __fakeUni: ReturnType<typeof createFakeUni> }).__fakeUni
const TEMPLATES = [
  { kind: 'report_decided', label: '报到结果', template_id: 'T-REPORT' },
  { kind: 'activity_reminder', label: '活动提醒', template_id: 'T-REMIND' },
  { kind: 'volunteer_record_approved', label: '服务时长确认', template_id: 'T-HOURS' },
  { kind: 'concern_answered', label: '社情民意回复', template_id: 'T-CONCERN' },
]
const CONSENTS = { items: [], cap: 50 }
const posted = (path: string) => fake.calls.filter((c) => c.method === 'POST' && c.path === path).map((c) => JSON.parse(c.data ?? '{}'))

beforeEach(() => {
  resetTemplates()
  clearTokens()
  for (const key of Object.keys(fake.routes)) delete fake.routes[key]
  fake.subscribe.answer = {}
  fake.subscribe.asked.length = 0
  fake.routes['GET /api/v1/notification-templates'] = () => [200, TEMPLATES]
  fake.routes['POST /api/v1/me/notification-consents'] = () => [200, CONSENTS]
  fake.routes['POST /api/v1/notification-consents/wechat'] = () => [200, CONSENTS]
})

describe('subscription consent', () => {
  it('runs in the mini-program path under Vitest', () => {
    expect(subscriptionsAvailable).toBe(true)
  })

  it('asks for the moment’s configured templates and records each answer for the signed-in account', async () => {
    saveTokens({ access_token: 'a1', refresh_token: 'r1' })
    fake.subscribe.answer = { 'T-REMIND': 'accept', 'T-HOURS': 'reject' }
    const recorded = await askConsent('activity_signed_up')
    expect(fake.subscribe.asked).toEqual([['T-REMIND', 'T-HOURS']])
    expect(recorded).toEqual([
      { kind: 'activity_reminder', result: 'accept' },
      { kind: 'volunteer_record_approved', result: 'reject' },
    ])
    expect(posted('/api/v1/me/notification-consents')).toEqual([{ results: recorded }])
    expect(fake.calls.find((c) => c.path === '/api/v1/me/notification-consents')?.header.authorization).toBe('Bearer a1')
  })

  it('an unbound reporter records with its binding ticket', async () => {
    fake.subscribe.answer = { 'T-REPORT': 'accept' }
    expect(await askConsent('report_submitted', 'ticket-1')).toEqual([{ kind: 'report_decided', result: 'accept' }])
    expect(posted('/api/v1/notification-consents/wechat')).toEqual([{ results: [{ kind: 'report_decided', result: 'accept' }], binding_ticket: 'ticket-1' }])
    expect(posted('/api/v1/me/notification-consents')).toEqual([])
  })

  it('asks nothing when the server has no template for the moment', async () => {
    saveTokens({ access_token: 'a1', refresh_token: 'r1' })
    expect(await askConsent('wish_posted')).toEqual([])
    expect(fake.subscribe.asked).toEqual([])
    expect(posted('/api/v1/me/notification-consents')).toEqual([])
  })

  it('records nothing when WeChat refuses the dialog, or answers something unknown, or nobody can be recorded for', async () => {
    saveTokens({ access_token: 'a1', refresh_token: 'r1' })
    fake.subscribe.answer = 'fail'
    expect(await askConsent('concern_posted')).toEqual([])
    fake.subscribe.answer = { 'T-CONCERN': 'someday' }
    expect(await askConsent('concern_posted')).toEqual([])
    clearTokens()
    fake.subscribe.answer = { 'T-CONCERN': 'accept' }
    expect(await askConsent('concern_posted')).toEqual([])
    expect(fake.subscribe.asked).toHaveLength(3)
    expect(fake.calls.filter((c) => c.method === 'POST')).toEqual([])
  })

  it('loads the templates once, and again after a failure', async () => {
    fake.routes['GET /api/v1/notification-templates'] = () => [503, { type: 'about:blank', title: '暂不可用', status: 503, code: 'unavailable' }]
    expect(await loadTemplates()).toEqual([])
    fake.routes['GET /api/v1/notification-templates'] = () => [200, TEMPLATES]
    expect(await loadTemplates()).toHaveLength(4)
    await loadTemplates()
    await askConsent('concern_posted')
    expect(fake.calls.filter((c) => c.path === '/api/v1/notification-templates')).toHaveLength(2)
  })

  it('each moment asks about at most three kinds (WeChat’s limit per dialog)', () => {
    for (const kinds of Object.values(KINDS_OF)) expect(kinds.length).toBeLessThanOrEqual(3)
  })
})
