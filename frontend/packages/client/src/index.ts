/**
 * The typed client of the Gongjian API. Everything a caller sends and gets back is typed from the
 * committed openapi.yaml (see src/schema.d.ts). No DOM or `window`: the same code runs in the SPA,
 * in Node scripts and, with a `wx.request`-based `fetch`, in the WeChat mini-program.
 */
import createClient, { type Client } from 'openapi-fetch'
import type { components, operations, paths } from './schema'

export type { components, operations, paths }
export { API_SCOPES, type ApiScope } from './scopes'

export type Schemas = components['schemas']
export type Problem = Schemas['Problem']
export type GongjianClient = Client<paths, 'application/json'>

export interface GongjianClientOptions {
  /** Origin (and path prefix, if any) the API is served under, without `/api/v1`; '' for same-origin. */
  baseUrl: string
  /** The transport: `globalThis.fetch`, or an adapter (e.g. over `wx.request`). */
  fetch?: (input: Request) => Promise<Response>
  /** The current access token, or nothing when signed out. */
  getToken: () => string | null | undefined
  /**
   * Called when a request that carried a token was answered 401. Refresh the tokens (with
   * `refreshTokens` below, or otherwise) and resolve to the new access token, or `null` if the
   * session is over; the request is then retried once with the new token.
   */
  onTokenExpired?: () => Promise<string | null>
}

/** Paths that must never carry a bearer token nor trigger a refresh: they are how tokens are obtained
 * (and given up: logout names its session by the refresh token). */
const TOKEN_PATHS = [
  '/api/v1/auth/token',
  '/api/v1/auth/refresh',
  '/api/v1/auth/logout',
  '/api/v1/auth/wechat',
  '/api/v1/auth/wechat/bind',
]

/** The path of a URL, without `URL` (the mini-program has none). */
function pathOf(url: string): string {
  const withoutQuery = url.split(/[?#]/, 1)[0]
  const afterScheme = withoutQuery.replace(/^[a-z][a-z0-9+.-]*:\/\/[^/]*/i, '')
  return afterScheme || '/'
}

function isTokenPath(url: string): boolean {
  const path = pathOf(url)
  return TOKEN_PATHS.some((p) => path.endsWith(p))
}

/** A copy of `request` with the bearer token set, built with the request's own classes (the Fetch
 * API's in browsers and Node, the lite ones in the mini-program). */
function withToken(request: Request, token: string): Request {
  const RequestClass = request.constructor as typeof Request
  const HeadersClass = request.headers.constructor as typeof Headers
  const headers = new HeadersClass(request.headers)
  headers.set('Authorization', `Bearer ${token}`)
  return new RequestClass(request, { headers })
}

/**
 * Wraps a fetch so that it adds the bearer token and, on a 401, refreshes once and retries.
 * Concurrent 401s share one refresh. Exported for tests and for callers that build their own client.
 */
export function authenticatedFetch(options: GongjianClientOptions): (input: Request) => Promise<Response> {
  const transport = options.fetch ?? ((input: Request) => globalThis.fetch(input))
  let refreshing: Promise<string | null> | null = null

  return async (request: Request) => {
    const token = options.getToken()
    if (!token || isTokenPath(request.url)) return transport(request)
    // Keep an unread copy for the retry: the first attempt consumes the body.
    const spare = options.onTokenExpired ? request.clone() : null
    const response = await transport(withToken(request, token))
    if (response.status !== 401 || !spare || !options.onTokenExpired) return response
    if (!refreshing) {
      refreshing = options.onTokenExpired().finally(() => {
        refreshing = null
      })
    }
    const fresh = await refreshing.catch(() => null)
    if (!fresh) return response
    return transport(withToken(spare, fresh))
  }
}

export function createGongjianClient(options: GongjianClientOptions): GongjianClient {
  return createClient<paths, 'application/json'>({
    baseUrl: options.baseUrl,
    fetch: authenticatedFetch(options),
  })
}

export type TokenResponse = Schemas['TokenResponse']

/** Signs in with user name and password (OAuth2 password form). */
export function login(client: GongjianClient, username: string, password: string) {
  return client.POST('/api/v1/auth/token', {
    body: { username, password, grant_type: 'password', scope: '' },
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    // Encoded by hand: the mini-program has no URLSearchParams.
    bodySerializer: (body) =>
      Object.entries(body)
        .filter(([, value]) => value != null)
        .map(([key, value]) => `${encodeURIComponent(key)}=${encodeURIComponent(String(value))}`)
        .join('&'),
  })
}

export type WechatLogin = Schemas['WechatLoginBound'] | Schemas['WechatBindingRequired']

/**
 * Signs in with the code from `wx.login()`. `data.status` is `bound` (tokens inside) or
 * `binding_required` (a `binding_ticket` for `bindWechat`). WeChat's refusals come back as problems:
 * `wechat_code_invalid`, `wechat_rate_limited`, `wechat_user_blocked`, `wechat_unavailable`.
 */
export function wechatLogin(client: GongjianClient, code: string) {
  return client.POST('/api/v1/auth/wechat', { body: { code } })
}

/** Binds the WeChat user to a member account, with its credentials or an invitation code. */
export function bindWechat(client: GongjianClient, body: Schemas['WechatBindRequest']) {
  return client.POST('/api/v1/auth/wechat/bind', { body })
}

/**
 * Exchanges a refresh token for new tokens; resolves to null when it is no longer accepted. Refresh
 * tokens rotate: keep the answer's `refresh_token` in place of the old one, which is now spent —
 * presenting a spent one again ends the whole login (every token descended from it).
 */
export async function refreshTokens(client: GongjianClient, refreshToken: string): Promise<TokenResponse | null> {
  const { data } = await client.POST('/api/v1/auth/refresh', { body: { refresh_token: refreshToken } })
  return data ?? null
}

/** Signs out: ends the login this refresh token belongs to. Resolves to whether the API confirmed it. */
export async function logout(client: GongjianClient, refreshToken: string): Promise<boolean> {
  const { response } = await client.POST('/api/v1/auth/logout', { body: { refresh_token: refreshToken } })
  return response.status === 204
}

/** The problem+json body of a failed call, or a stand-in when the answer had none (network, proxy). */
export function asProblem(error: unknown, status?: number): Problem {
  if (error && typeof error === 'object' && 'title' in error && 'status' in error && 'code' in error) {
    return error as Problem
  }
  return {
    type: 'about:blank',
    title: status ? `请求失败（${status}）` : '网络错误',
    status: status ?? 0,
    code: status ? 'http_error' : 'network_error',
    detail: status ? '服务器返回了无法识别的错误' : '无法连接服务器，请检查网络后重试',
  }
}
