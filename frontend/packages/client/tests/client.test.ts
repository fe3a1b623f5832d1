// @vitest-environment node
import { describe, expect, it } from 'vitest'
import { asProblem, createGongjianClient, login, logout } from '../src/index'

type Call = { url: string; method: string; auth: string | null; body: string }

/** A fake API: accepts only the token named `valid`, and records every request it sees. */
function fakeApi(valid: { token: string }) {
  const calls: Call[] = []
  const fetch = async (request: Request): Promise<Response> => {
    const body = request.body ? await request.text() : ''
    calls.push({ url: request.url, method: request.method, auth: request.headers.get('Authorization'), body })
    if (new URL(request.url).pathname === '/api/v1/auth/token') {
      return Response.json({ access_token: 'a1', refresh_token: 'r1', token_type: 'bearer', expires_in: 60 })
    }
    if (request.headers.get('Authorization') !== `Bearer ${valid.token}`) {
      return new Response(
        JSON.stringify({ type: 'urn:gongjian:problem:unauthorized', title: '未登录或凭据无效', status: 401, code: 'unauthorized' }),
        { status: 401, headers: { 'Content-Type': 'application/problem+json' } },
      )
    }
    return Response.json({ id: 7, name: body ? JSON.parse(body).name : 'x' }, { status: 201 })
  }
  return { calls, fetch }
}

const orgBody = { name: '老虎头社区党委', kind: 'community' as const, code: 'LHT' }

describe('createGongjianClient', () => {
  it('adds the bearer token', async () => {
    const api = fakeApi({ token: 'good' })
    const client = createGongjianClient({ baseUrl: 'http://api.test', fetch: api.fetch, getToken: () => 'good' })
    const { data, response } = await client.POST('/api/v1/organizations', { body: orgBody })
    expect(response.status).toBe(201)
    expect(data?.name).toBe('老虎头社区党委')
    expect(api.calls).toHaveLength(1)
    expect(api.calls[0].auth).toBe('Bearer good')
  })

  it('on a 401 refreshes once and retries the same request, body included', async () => {
    const api = fakeApi({ token: 'fresh' })
    let token = 'stale'
    let refreshes = 0
    const client = createGongjianClient({
      baseUrl: 'http://api.test',
      fetch: api.fetch,
      getToken: () => token,
      onTokenExpired: async () => {
        refreshes += 1
        token = 'fresh'
        return token
      },
    })
    const { data, error } = await client.POST('/api/v1/organizations', { body: orgBody })
    expect(error).toBeUndefined()
    expect(data?.name).toBe(orgBody.name)
    expect(refreshes).toBe(1)
    expect(api.calls.map((c) => c.auth)).toEqual(['Bearer stale', 'Bearer fresh'])
    expect(api.calls[1].body).toBe(api.calls[0].body)
  })

  it('shares one refresh between concurrent 401s', async () => {
    const api = fakeApi({ token: 'fresh' })
    let token = 'stale'
    let refreshes = 0
    const client = createGongjianClient({
      baseUrl: 'http://api.test',
      fetch: api.fetch,
      getToken: () => token,
      onTokenExpired: async () => {
        refreshes += 1
        await new Promise((r) => setTimeout(r, 10))
        token = 'fresh'
        return token
      },
    })
    const results = await Promise.all([1, 2, 3].map(() => client.POST('/api/v1/organizations', { body: orgBody })))
    expect(results.map((r) => r.response.status)).toEqual([201, 201, 201])
    expect(refreshes).toBe(1)
  })

  it('gives up after one retry and returns the 401 problem when refresh fails', async () => {
    const api = fakeApi({ token: 'never' })
    let refreshes = 0
    const client = createGongjianClient({
      baseUrl: 'http://api.test',
      fetch: api.fetch,
      getToken: () => 'stale',
      onTokenExpired: async () => {
        refreshes += 1
        return null
      },
    })
    const { data, error, response } = await client.POST('/api/v1/organizations', { body: orgBody })
    expect(data).toBeUndefined()
    expect(response.status).toBe(401)
    expect(asProblem(error).code).toBe('unauthorized')
    expect(refreshes).toBe(1)
    expect(api.calls).toHaveLength(1)
  })

  it('sends login as a form, without a token and without refreshing', async () => {
    const api = fakeApi({ token: 'x' })
    let refreshes = 0
    const client = createGongjianClient({
      baseUrl: 'http://api.test',
      fetch: api.fetch,
      getToken: () => 'old',
      onTokenExpired: async () => {
        refreshes += 1
        return 'x'
      },
    })
    const { data } = await login(client, 'admin', 'p@ss word')
    expect(data?.access_token).toBe('a1')
    expect(api.calls[0].auth).toBeNull()
    expect(new URLSearchParams(api.calls[0].body).get('password')).toBe('p@ss word')
    expect(refreshes).toBe(0)
  })
})

describe('logout', () => {
  it('names the login by its refresh token, carries no bearer token and never refreshes', async () => {
    const api = fakeApi({ token: 'x' })
    let refreshes = 0
    const client = createGongjianClient({
      baseUrl: 'http://api.test',
      fetch: api.fetch,
      getToken: () => 'stale',
      onTokenExpired: async () => {
        refreshes += 1
        return 'x'
      },
    })
    // The fake answers 401 to anything without the valid token: logout reports it wasn't confirmed.
    expect(await logout(client, 'r-current')).toBe(false)
    expect(api.calls).toHaveLength(1)
    expect(new URL(api.calls[0].url).pathname).toBe('/api/v1/auth/logout')
    expect(api.calls[0].auth).toBeNull()
    expect(JSON.parse(api.calls[0].body)).toEqual({ refresh_token: 'r-current' })
    expect(refreshes).toBe(0)
  })
})

describe('asProblem', () => {
  it('keeps a problem body and invents one for network failures', () => {
    const body = { type: 't', title: '操作冲突', status: 409, code: 'conflict', detail: 'd' }
    expect(asProblem(body)).toBe(body)
    expect(asProblem(undefined).code).toBe('network_error')
    expect(asProblem('<html>', 502).title).toContain('502')
  })
})
