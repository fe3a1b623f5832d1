// @vitest-environment-options { "url": "http://localhost/" }
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { createPinia, setActivePinia } from 'pinia'

type Seen = { path: string; auth: string | null; body: string }

/** The API as the SPA sees it: `/me` accepts one access token; refresh rotates `r0` → `r1` once. */
function stubApi(state: { access: string; rotations: Record<string, string> }) {
  const seen: Seen[] = []
  vi.stubGlobal('fetch', async (request: Request) => {
    const path = new URL(request.url).pathname
    const body = request.method === 'GET' ? '' : await request.text()
    seen.push({ path, auth: request.headers.get('Authorization'), body })
    const problem = (status: number, code: string) =>
      new Response(JSON.stringify({ type: `urn:gongjian:problem:${code}`, title: 't', status, code }), {
        status,
        headers: { 'Content-Type': 'application/problem+json' },
      })
    if (path === '/api/v1/auth/refresh') {
      const next = state.rotations[JSON.parse(body).refresh_token]
      if (!next) return problem(401, 'invalid_refresh_token')
      delete state.rotations[JSON.parse(body).refresh_token] // spent
      state.access = `a-${next}`
      return Response.json({ access_token: state.access, refresh_token: next, token_type: 'bearer', expires_in: 1800 })
    }
    if (path === '/api/v1/auth/logout') return new Response(null, { status: 204 })
    if (request.headers.get('Authorization') !== `Bearer ${state.access}`) return problem(401, 'unauthorized')
    return Response.json({ actor_type: 'user', id: 1, name: 'n', role: 'admin', organization_id: null, organization_name: null, scopes: [], allowed_actions: [] })
  })
  return seen
}

async function freshModules() {
  vi.resetModules()
  const client = await import('@/api/client')
  const tokens = await import('@/api/tokens')
  const auth = await import('@/api/auth')
  return { ...client, ...tokens, ...auth }
}

beforeEach(() => {
  localStorage.clear()
  setActivePinia(createPinia())
})
afterEach(() => vi.unstubAllGlobals())

describe('the SPA session', () => {
  it('keeps the rotated refresh token, so the next refresh spends the new one', async () => {
    localStorage.setItem('gongjian.access_token', 'expired')
    localStorage.setItem('gongjian.refresh_token', 'r0')
    const state = { access: 'nobody-has-this', rotations: { r0: 'r1', r1: 'r2' } as Record<string, string> }
    const seen = stubApi(state)
    const { api, tokens } = await freshModules()
    expect((await api.GET('/api/v1/me')).response.status).toBe(200)
    expect(localStorage.getItem('gongjian.refresh_token')).toBe('r1')
    expect(tokens.refresh).toBe('r1')
    state.access = 'expired-again'
    expect((await api.GET('/api/v1/me')).response.status).toBe(200)
    const refreshes = seen.filter((s) => s.path === '/api/v1/auth/refresh').map((s) => JSON.parse(s.body).refresh_token)
    expect(refreshes).toEqual(['r0', 'r1'])
  })

  it('takes the tokens another tab just rotated instead of spending the old refresh token again', async () => {
    localStorage.setItem('gongjian.access_token', 'expired')
    localStorage.setItem('gongjian.refresh_token', 'r0')
    const state = { access: 'a-other-tab', rotations: {} as Record<string, string> }
    const seen = stubApi(state)
    const { api } = await freshModules()
    // Another tab refreshed meanwhile (its storage event not delivered yet).
    localStorage.setItem('gongjian.access_token', 'a-other-tab')
    localStorage.setItem('gongjian.refresh_token', 'r-other-tab')
    expect((await api.GET('/api/v1/me')).response.status).toBe(200)
    expect(seen.some((s) => s.path === '/api/v1/auth/refresh')).toBe(false)
    expect(seen.at(-1)?.auth).toBe('Bearer a-other-tab')
  })

  it('退出登录 ends the login at the API with its refresh token, then forgets the tokens', async () => {
    localStorage.setItem('gongjian.access_token', 'a')
    localStorage.setItem('gongjian.refresh_token', 'r-current')
    const seen = stubApi({ access: 'a', rotations: {} })
    const { useAuthStore, tokens } = await freshModules()
    await useAuthStore().logout()
    const call = seen.find((s) => s.path === '/api/v1/auth/logout')
    expect(call && JSON.parse(call.body)).toEqual({ refresh_token: 'r-current' })
    expect(call?.auth).toBeNull()
    expect(tokens.access).toBeNull()
    expect(localStorage.getItem('gongjian.refresh_token')).toBeNull()
  })
})

describe('a request that gets no answer', () => {
  it('comes back as a network problem, not as a rejection nobody reports', async () => {
    localStorage.setItem('gongjian.access_token', 'a')
    vi.stubGlobal('fetch', async () => {
      throw new TypeError('Failed to fetch')
    })
    const { api } = await freshModules()
    const { asProblem } = await import('@gongjian/client')
    const { data, error, response } = await api.GET('/api/v1/me')
    expect(data).toBeUndefined()
    expect(asProblem(error, response.status)).toMatchObject({ code: 'network_error', title: '网络错误' })
  })
  it('still rejects when the caller cancelled it', async () => {
    vi.stubGlobal('fetch', async () => {
      throw new DOMException('cancelled', 'AbortError')
    })
    const { api } = await freshModules()
    await expect(api.GET('/api/v1/me')).rejects.toThrow('cancelled')
  })
})
