// @vitest-environment node
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { asProblem, bindWechat, login, wechatLogin } from '../src/index'
import { createMiniProgramClient, type WxLike } from '../src/wx'

type WxCall = { url: string; method?: string; data?: string; header?: Record<string, string>; dataType?: string }

/**
 * A fake `wx`: answers like the API would, through `success`/`fail` callbacks, and records calls.
 * Accepts only the bearer token in `valid.token`.
 */
function fakeWx(valid: { token: string }, options: { failWith?: string } = {}) {
  const calls: WxCall[] = []
  const wx: WxLike = {
    request(o) {
      // HTTP header names are case-insensitive: keep them lower-cased, as a server would read them.
      const header = Object.fromEntries(Object.entries(o.header ?? {}).map(([k, v]) => [k.toLowerCase(), v]))
      calls.push({ url: o.url, method: o.method, data: o.data, header, dataType: o.dataType })
      setTimeout(() => {
        if (options.failWith) return o.fail?.({ errMsg: options.failWith })
        const path = o.url.replace(/^https?:\/\/[^/]+/, '').split('?')[0]
        const json = (statusCode: number, body: unknown, type = 'application/json') =>
          o.success?.({ statusCode, data: JSON.stringify(body), header: { 'Content-Type': type } })
        if (path === '/api/v1/auth/wechat') {
          const { code } = JSON.parse(o.data ?? '{}')
          if (code === 'bad')
            return json(401, { type: 't', title: '微信登录失败', status: 401, code: 'wechat_code_invalid' }, 'application/problem+json')
          return json(200, { status: 'binding_required', binding_ticket: 'ticket-1', expires_in: 600 })
        }
        if (path === '/api/v1/auth/wechat/bind' || path === '/api/v1/auth/token') {
          return json(200, { access_token: 'fresh', refresh_token: 'r', token_type: 'bearer', expires_in: 1800 })
        }
        if (header.authorization !== `Bearer ${valid.token}`) {
          return json(401, { type: 't', title: '未登录或凭据无效', status: 401, code: 'unauthorized' }, 'application/problem+json')
        }
        if (path === '/api/v1/members') {
          return json(200, { items: [{ id: 1, name: '张红' }], total: 1, page: 1, page_size: 20, query: o.url.split('?')[1] })
        }
        return json(201, { id: 9, echoed: JSON.parse(o.data ?? 'null') })
      }, 1)
      return {}
    },
  }
  return { wx, calls }
}

// The mini-program has no window, DOM or Fetch API: take them away for these tests.
const MISSING = ['window', 'document', 'fetch', 'Request', 'Response', 'Headers', 'FormData', 'URL', 'URLSearchParams']

describe('createMiniProgramClient over wx.request', () => {
  beforeAll(() => {
    for (const name of MISSING) vi.stubGlobal(name, undefined)
  })
  afterAll(() => {
    vi.unstubAllGlobals()
  })

  it('has no Fetch API to lean on', () => {
    expect(typeof globalThis.fetch).toBe('undefined')
    expect(typeof globalThis.Request).toBe('undefined')
    expect(typeof globalThis.URLSearchParams).toBe('undefined')
  })

  it('sends typed requests with the token and reads JSON answers', async () => {
    const { wx, calls } = fakeWx({ token: 'good' })
    const api = createMiniProgramClient({ baseUrl: 'https://gj.example.org', wx, getToken: () => 'good' })
    const { data, response } = await api.GET('/api/v1/members', { params: { query: { page: 2, q: '张' } } })
    expect(response.status).toBe(200)
    expect(data?.items[0].name).toBe('张红')
    expect(calls).toHaveLength(1)
    expect(calls[0].method).toBe('GET')
    expect(calls[0].url).toBe('https://gj.example.org/api/v1/members?page=2&q=%E5%BC%A0')
    expect(calls[0].header?.authorization).toBe('Bearer good')
    expect(calls[0].data).toBeUndefined()
    expect(calls[0].dataType).toBe('text')
  })

  it('posts JSON bodies', async () => {
    const { wx, calls } = fakeWx({ token: 'good' })
    const api = createMiniProgramClient({ baseUrl: 'https://gj.example.org', wx, getToken: () => 'good' })
    const body = { occurred_on: '2026-05-01', kind: 'participation' as const, description: '参加义诊' }
    const { data, response } = await api.POST('/api/v1/members/{member_id}/community-records', {
      params: { path: { member_id: 3 } },
      body,
    })
    expect(response.status).toBe(201)
    expect((data as unknown as { echoed: unknown }).echoed).toEqual(body)
    expect(calls[0].header?.['content-type']).toBe('application/json')
  })

  it('refreshes an expired token once and retries, body included', async () => {
    const { wx, calls } = fakeWx({ token: 'fresh' })
    let token = 'stale'
    let refreshes = 0
    const api = createMiniProgramClient({
      baseUrl: 'https://gj.example.org',
      wx,
      getToken: () => token,
      onTokenExpired: async () => {
        refreshes += 1
        token = 'fresh'
        return token
      },
    })
    const { response } = await api.POST('/api/v1/members/{member_id}/community-records', {
      params: { path: { member_id: 3 } },
      body: { occurred_on: '2026-05-01', kind: 'other', description: '重试' },
    })
    expect(response.status).toBe(201)
    expect(refreshes).toBe(1)
    const auth = calls.map((c) => c.header?.authorization)
    expect(auth).toEqual(['Bearer stale', 'Bearer fresh'])
    expect(calls[1].data).toBe(calls[0].data)
  })

  it('returns the 401 problem when the refresh fails, without looping', async () => {
    const { wx, calls } = fakeWx({ token: 'never' })
    const api = createMiniProgramClient({
      baseUrl: 'https://gj.example.org',
      wx,
      getToken: () => 'stale',
      onTokenExpired: async () => null,
    })
    const { error, response } = await api.GET('/api/v1/members')
    expect(response.status).toBe(401)
    expect(asProblem(error).code).toBe('unauthorized')
    expect(calls).toHaveLength(1)
  })

  it('logs in with the wx.login code, binds, and surfaces WeChat problems', async () => {
    const { wx, calls } = fakeWx({ token: 'fresh' })
    const api = createMiniProgramClient({ baseUrl: 'https://gj.example.org', wx, getToken: () => 'old' })
    const first = await wechatLogin(api, 'code-1')
    expect(first.data?.status).toBe('binding_required')
    const ticket = first.data?.status === 'binding_required' ? first.data.binding_ticket : ''
    const bound = await bindWechat(api, { binding_ticket: ticket, invitation_code: 'ABCDE-FGHJK' })
    expect(bound.data?.access_token).toBe('fresh')
    // Token endpoints never carry the (old) bearer token.
    expect(calls.every((c) => !(c.header?.authorization))).toBe(true)
    const bad = await wechatLogin(api, 'bad')
    expect(bad.response.status).toBe(401)
    expect(asProblem(bad.error).code).toBe('wechat_code_invalid')
  })

  it('sends password login as a form without URLSearchParams', async () => {
    const { wx, calls } = fakeWx({ token: 'x' })
    const api = createMiniProgramClient({ baseUrl: 'https://gj.example.org', wx, getToken: () => null })
    const { data } = await login(api, 'admin', 'p@ss word&=')
    expect(data?.access_token).toBe('fresh')
    expect(calls[0].data).toBe('username=admin&password=p%40ss%20word%26%3D&grant_type=password&scope=')
  })

  it('rejects like fetch when wx.request fails', async () => {
    const { wx } = fakeWx({ token: 'x' }, { failWith: 'request:fail timeout' })
    const api = createMiniProgramClient({ baseUrl: 'https://gj.example.org', wx, getToken: () => 'x' })
    await expect(api.GET('/api/v1/members')).rejects.toThrow('request:fail timeout')
  })
})
