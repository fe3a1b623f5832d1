// @vitest-environment node
import { describe, expect, it } from 'vitest'
import { asProblem, login } from '../src/index'
import { createUniClient, uploadPhoto, type UniLike } from '../src/uni'

type Call = { kind: 'request' | 'upload'; url: string; method?: string; header: Record<string, string>; data?: string; filePath?: string; name?: string }

/** A fake `uni`: `request` and `uploadFile` answer as the API would and record what they were given;
 * only the bearer token `valid.token` is accepted. */
function fakeUni(valid: { token: string }, options: { uploadStatus?: number; failWith?: string } = {}) {
  const calls: Call[] = []
  const lower = (h: Record<string, string> = {}) => Object.fromEntries(Object.entries(h).map(([k, v]) => [k.toLowerCase(), v]))
  const unauthorized = JSON.stringify({ type: 't', title: '未登录或凭据无效', status: 401, code: 'unauthorized' })
  const uni: UniLike = {
    request(o) {
      const header = lower(o.header)
      calls.push({ kind: 'request', url: o.url, method: o.method, header, data: o.data })
      setTimeout(() => {
        if (options.failWith) return o.fail?.({ errMsg: options.failWith })
        if (o.url.endsWith('/api/v1/auth/token')) {
          return o.success?.({ statusCode: 200, data: JSON.stringify({ access_token: 'a1', refresh_token: 'r1', token_type: 'bearer', expires_in: 1800 }) })
        }
        if (header.authorization !== `Bearer ${valid.token}`) return o.success?.({ statusCode: 401, data: unauthorized })
        o.success?.({ statusCode: 200, data: JSON.stringify({ member: null, admin: null }), header: { 'Content-Type': 'application/json' } })
      }, 1)
      return {}
    },
    uploadFile(o) {
      const header = lower(o.header)
      calls.push({ kind: 'upload', url: o.url, header, filePath: o.filePath, name: o.name })
      setTimeout(() => {
        if (options.failWith) return o.fail?.({ errMsg: options.failWith })
        if (header.authorization !== `Bearer ${valid.token}`) return o.success?.({ statusCode: 401, data: unauthorized })
        if (options.uploadStatus === 422) {
          return o.success?.({ statusCode: 422, data: JSON.stringify({ type: 't', title: '不是图片', status: 422, code: 'not_an_image' }) })
        }
        o.success?.({ statusCode: 201, data: JSON.stringify({ id: 7, content_type: 'image/jpeg', thumbnail_url: '/api/v1/uploads/7/thumbnail' }) })
      }, 1)
      return {}
    },
  }
  return { uni, calls }
}

describe('createUniClient over uni.request', () => {
  it('sends the token, reads JSON, and logs in with a form body (same in the mp and h5 builds)', async () => {
    const { uni, calls } = fakeUni({ token: 'good' })
    const api = createUniClient({ baseUrl: '', uni, getToken: () => 'good' })
    const { data } = await api.GET('/api/v1/me/overview')
    expect(data).toEqual({ member: null, admin: null })
    expect(calls[0]).toMatchObject({ url: '/api/v1/me/overview', method: 'GET', header: { authorization: 'Bearer good' } })
    const signedIn = await login(api, 'demo-member', 'pw &x')
    expect(signedIn.data?.access_token).toBe('a1')
    expect(calls[1].data).toBe('username=demo-member&password=pw%20%26x&grant_type=password&scope=')
    expect(calls[1].header.authorization).toBeUndefined()
  })

  it('refreshes once on 401 and retries with the new token', async () => {
    const { uni, calls } = fakeUni({ token: 'fresh' })
    let token = 'stale'
    let refreshes = 0
    const api = createUniClient({
      baseUrl: 'https://gj.example.org',
      uni,
      getToken: () => token,
      onTokenExpired: async () => {
        refreshes += 1
        token = 'fresh'
        return token
      },
    })
    const { response } = await api.GET('/api/v1/me/overview')
    expect(response.status).toBe(200)
    expect(refreshes).toBe(1)
    expect(calls.map((c) => c.header.authorization)).toEqual(['Bearer stale', 'Bearer fresh'])
  })
})

describe('uploadPhoto over uni.uploadFile', () => {
  it('posts the file as multipart field `file` with the token and reads the upload back', async () => {
    const { uni, calls } = fakeUni({ token: 'good' })
    const result = await uploadPhoto({ baseUrl: 'https://gj.example.org', uni, filePath: 'wxfile://tmp/1.jpg', getToken: () => 'good' })
    expect(result.status).toBe(201)
    expect(result.data?.id).toBe(7)
    expect(calls).toEqual([
      { kind: 'upload', url: 'https://gj.example.org/api/v1/uploads', header: { authorization: 'Bearer good' }, filePath: 'wxfile://tmp/1.jpg', name: 'file' },
    ])
  })

  it('refreshes an expired token once and uploads again', async () => {
    const { uni, calls } = fakeUni({ token: 'fresh' })
    let refreshes = 0
    const result = await uploadPhoto({
      baseUrl: '',
      uni,
      filePath: 'blob:1',
      getToken: () => 'stale',
      onTokenExpired: async () => {
        refreshes += 1
        return 'fresh'
      },
    })
    expect(result.data?.id).toBe(7)
    expect(refreshes).toBe(1)
    expect(calls.map((c) => [c.kind, c.header.authorization])).toEqual([
      ['upload', 'Bearer stale'],
      ['upload', 'Bearer fresh'],
    ])
  })

  it('gives back the problem of a refused upload, and the 401 when the session is over', async () => {
    const refused = await uploadPhoto({ baseUrl: '', uni: fakeUni({ token: 'x' }, { uploadStatus: 422 }).uni, filePath: 'f', getToken: () => 'x' })
    expect(refused.status).toBe(422)
    expect(asProblem(refused.error).code).toBe('not_an_image')
    const ended = await uploadPhoto({ baseUrl: '', uni: fakeUni({ token: 'x' }).uni, filePath: 'f', getToken: () => 'old', onTokenExpired: async () => null })
    expect(ended.status).toBe(401)
    expect(asProblem(ended.error).code).toBe('unauthorized')
  })

  it('rejects when uni.uploadFile fails (no network)', async () => {
    const { uni } = fakeUni({ token: 'x' }, { failWith: 'uploadFile:fail timeout' })
    await expect(uploadPhoto({ baseUrl: '', uni, filePath: 'f', getToken: () => 'x' })).rejects.toThrow('uploadFile:fail timeout')
  })
})
