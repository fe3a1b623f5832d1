import { beforeEach, describe, expect, it } from 'vitest'
import type { createFakeUni } from './fakeUni'
import { problem } from './fakeUni'
import { api, onSessionEnded, refreshSession, saveTokens, tokens, clearTokens } from '@/api/session'
import { bind, isMember, isResident, login, loginWithWechatCode, logout, needsReport, registerResident, session } from '@/stores/session'
import { label, loadEnums, options } from '@/stores/enums'
import { call } from '@/api/call'

const fake = (globalThis as unknown as { __fakeUni: ReturnType<typeof createFakeUni> }).__fakeUni
const tokensOf = (access: string, refresh: string) => ({ access_token: access, refresh_token: refresh, token_type: 'bearer', expires_in: 1800 })
const ME = { actor_type: 'user', id: 3, name: '陈立新', role: 'member', organization_id: null, organization_name: null, username: 'demo-member', scopes: [] }
const MEMBER_OVERVIEW = { member: { profile: { id: 9, name: '陈立新' }, hours: { this_year: 2.5, total: 10, stars: 1 } }, admin: null }

beforeEach(() => {
  clearTokens()
  session.me = null
  session.overview = null
  session.bindingTicket = null
  for (const key of Object.keys(fake.routes)) delete fake.routes[key]
})

describe('tokens in uni storage, refreshed once on 401', () => {
  it('keeps tokens in storage and sends the access token', async () => {
    saveTokens(tokensOf('a1', 'r1'))
    expect(fake.storage.get('gongjian.access_token')).toBe('a1')
    expect(fake.storage.get('gongjian.refresh_token')).toBe('r1')
    fake.routes['GET /api/v1/me'] = (c) => (c.header.authorization === 'Bearer a1' ? [200, ME] : [401, problem(401, 'unauthorized')])
    const result = await call(api.GET('/api/v1/me'))
    expect(result.data?.name).toBe('陈立新')
  })

  it('two requests that meet a 401 share one refresh, and both are retried with the new token', async () => {
    saveTokens(tokensOf('old', 'r1'))
    let refreshes = 0
    fake.routes['POST /api/v1/auth/refresh'] = async (c) => {
      refreshes += 1
      expect(JSON.parse(c.data ?? '{}')).toEqual({ refresh_token: 'r1' })
      await new Promise((r) => setTimeout(r, 5))
      return [200, tokensOf('new', 'r2')]
    }
    fake.routes['GET /api/v1/me'] = (c) => (c.header.authorization === 'Bearer new' ? [200, ME] : [401, problem(401, 'token_expired')])
    const [a, b] = await Promise.all([call(api.GET('/api/v1/me')), call(api.GET('/api/v1/me'))])
    expect(a.data?.id).toBe(3)
    expect(b.data?.id).toBe(3)
    expect(refreshes).toBe(1)
    expect(tokens).toMatchObject({ access: 'new', refresh: 'r2' })
    expect(fake.storage.get('gongjian.refresh_token')).toBe('r2')
  })

  it('a refused refresh ends the session: tokens gone, listeners told, the 401 returned', async () => {
    saveTokens(tokensOf('old', 'spent'))
    let ended = 0
    onSessionEnded(() => (ended += 1))
    fake.routes['POST /api/v1/auth/refresh'] = () => [401, problem(401, 'refresh_token_invalid')]
    fake.routes['GET /api/v1/me'] = () => [401, problem(401, 'token_expired')]
    const result = await call(api.GET('/api/v1/me'))
    expect(result.problem?.status).toBe(401)
    expect(ended).toBe(1)
    expect(tokens.access).toBeNull()
    expect(fake.storage.has('gongjian.access_token')).toBe(false)
    expect(await refreshSession()).toBeNull()
  })
})

describe('the session store', () => {
  it('logs in with a password and loads the overview: a member with a profile', async () => {
    fake.routes['POST /api/v1/auth/token'] = () => [200, tokensOf('a1', 'r1')]
    fake.routes['GET /api/v1/me'] = () => [200, ME]
    fake.routes['GET /api/v1/me/overview'] = () => [200, MEMBER_OVERVIEW]
    const result = await login('demo-member', 'pw')
    expect(result.problem).toBeUndefined()
    expect(isMember.value).toBe(true)
    expect(needsReport.value).toBe(false)
    expect(fake.calls.find((c) => c.path === '/api/v1/auth/token')?.data).toBe('username=demo-member&password=pw&grant_type=password&scope=')
  })

  it('a member account without a profile has to report first', async () => {
    fake.routes['POST /api/v1/auth/token'] = () => [200, tokensOf('a1', 'r1')]
    fake.routes['GET /api/v1/me'] = () => [200, ME]
    fake.routes['GET /api/v1/me/overview'] = () => [200, { member: null, admin: null }]
    await login('new-member', 'pw')
    expect(isMember.value).toBe(false)
    expect(needsReport.value).toBe(true)
  })

  it('shows the API problem of a failed login and keeps nobody signed in', async () => {
    fake.routes['POST /api/v1/auth/token'] = () => [401, problem(401, 'invalid_credentials', '用户名或密码错误')]
    const result = await login('x', 'y')
    expect(result.problem?.title).toBe('用户名或密码错误')
    expect(tokens.access).toBeNull()
    expect(session.me).toBeNull()
  })

  it('a WeChat user not yet bound keeps its ticket, then binds with an invitation code', async () => {
    fake.routes['POST /api/v1/auth/wechat'] = () => [200, { status: 'binding_required', binding_ticket: 'ticket-1', expires_in: 600 }]
    expect((await loginWithWechatCode('code-1')).data).toBe('binding_required')
    expect(session.bindingTicket).toBe('ticket-1')
    fake.routes['POST /api/v1/auth/wechat/bind'] = (c) => {
      expect(JSON.parse(c.data ?? '{}')).toEqual({ invitation_code: 'ABCDE-FGHJK', binding_ticket: 'ticket-1' })
      return [200, tokensOf('a2', 'r2')]
    }
    fake.routes['GET /api/v1/me'] = () => [200, ME]
    fake.routes['GET /api/v1/me/overview'] = () => [200, MEMBER_OVERVIEW]
    const bound = await bind({ invitation_code: 'ABCDE-FGHJK' })
    expect(bound.problem).toBeUndefined()
    expect(tokens.access).toBe('a2')
    expect(session.bindingTicket).toBeNull()
  })

  it('a bound WeChat user is signed in at once', async () => {
    fake.routes['POST /api/v1/auth/wechat'] = () => [200, { status: 'bound', ...tokensOf('a3', 'r3') }]
    fake.routes['GET /api/v1/me'] = () => [200, ME]
    fake.routes['GET /api/v1/me/overview'] = () => [200, MEMBER_OVERVIEW]
    expect((await loginWithWechatCode('code-2')).data).toBe('bound')
    expect(tokens.access).toBe('a3')
  })

  it('logs out here even when the API cannot be reached', async () => {
    saveTokens(tokensOf('a1', 'r1'))
    session.me = ME as never
    fake.routes['POST /api/v1/auth/logout'] = () => {
      throw new Error('offline')
    }
    await logout()
    expect(tokens.access).toBeNull()
    expect(session.me).toBeNull()
    expect(fake.calls.at(-1)?.data).toBe(JSON.stringify({ refresh_token: 'r1' }))
  })
})

describe('enum labels from the API', () => {
  it('labels codes and lists options in the API order', async () => {
    fake.routes['GET /api/v1/meta/enums'] = () => [
      200,
      { enums: [{ name: 'gender', values: [{ code: 'male', label: '男' }, { code: 'female', label: '女' }] }] },
    ]
    await loadEnums()
    expect(label('gender', 'female')).toBe('女')
    expect(label('gender', 'unknown')).toBe('unknown')
    expect(options('gender')).toEqual([{ value: 'male', label: '男' }, { value: 'female', label: '女' }])
  })
})

describe('registering as a resident from WeChat', () => {
  it('spends the binding ticket with the community’s code and signs the resident in', async () => {
    const RESIDENT_ME = { ...ME, id: 8, name: '李居民', role: 'resident' }
    fake.routes['POST /api/v1/auth/wechat'] = () => [200, { status: 'binding_required', binding_ticket: 'ticket-9', expires_in: 600 }]
    await loginWithWechatCode('code-9')
    fake.routes['POST /api/v1/residents/wechat'] = (c) => {
      expect(JSON.parse(c.data ?? '{}')).toEqual({ code: 'c.1.AbCdEfGhIjKlMn_-', name: '李居民', mobile: '13900001111', building: '3 栋', room: '502', binding_ticket: 'ticket-9' })
      return [201, { ...tokensOf('a9', 'r9'), resident: { id: 4 } }]
    }
    fake.routes['GET /api/v1/me'] = () => [200, RESIDENT_ME]
    fake.routes['GET /api/v1/me/overview'] = () => [200, { member: null, resident: { resident_id: 4, name: '李居民', wishes: [], concerns: [] }, admin: null }]
    const result = await registerResident({ code: 'c.1.AbCdEfGhIjKlMn_-', name: '李居民', mobile: '13900001111', building: '3 栋', room: '502' })
    expect(result.problem).toBeUndefined()
    expect(tokens.access).toBe('a9')
    expect(session.bindingTicket).toBeNull()
    expect(isResident.value).toBe(true)
    expect(needsReport.value).toBe(false)
  })

  it('without a ticket it sends nothing', async () => {
    const result = await registerResident({ code: 'x', name: 'y', mobile: '1', building: 'b', room: 'r' })
    expect(result.problem?.code).toBe('binding_ticket_missing')
    expect(fake.calls).toEqual([])
  })
})
