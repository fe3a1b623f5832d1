/**
 * The Gongjian client in a WeChat mini-program: a `fetch` over `wx.request`, and a client factory
 * that needs no `window`, DOM or Fetch API.
 *
 *   import { createMiniProgramClient, wechatLogin } from '@gongjian/client/wx'
 *   const api = createMiniProgramClient({ baseUrl: 'https://gj.example.org', wx, getToken, onTokenExpired })
 *   wx.login({ success: async ({ code }) => { const { data } = await wechatLogin(api, code) } })
 */
import createClient from 'openapi-fetch'
import type { GongjianClient, GongjianClientOptions } from './index'
import { authenticatedFetch } from './index'
import { ensureFetchGlobals, LiteRequest, LiteResponse } from './fetch-lite'

export { wechatLogin, bindWechat, refreshTokens, logout } from './index'
export { LiteHeaders, LiteRequest, LiteResponse } from './fetch-lite'

/** The part of the mini-program's `wx` object the adapter uses. */
export interface WxLike {
  request(options: {
    url: string
    method?: string
    data?: string
    header?: Record<string, string>
    dataType?: string
    responseType?: string
    timeout?: number
    success?: (result: { statusCode: number; data: unknown; header?: Record<string, string> }) => void
    fail?: (error: { errMsg: string; errno?: number }) => void
  }): unknown
}

export interface WxFetchOptions {
  /** Milliseconds before `wx.request` gives up (its own default is 60 s). */
  timeout?: number
}

type RequestLike = { url: string; method: string; headers: { entries(): IterableIterator<[string, string]> }; text(): Promise<string> }

/**
 * A `fetch` over `wx.request`. The answer comes back as text (`dataType: 'text'`) so the client
 * parses JSON and problem+json the same way everywhere; a network failure rejects, as fetch does.
 */
export function wxFetch(wx: WxLike, options: WxFetchOptions = {}): (request: RequestLike) => Promise<LiteResponse> {
  return async (request) => {
    const header: Record<string, string> = {}
    for (const [name, value] of request.headers.entries()) header[name] = value
    const body = request.method === 'GET' || request.method === 'HEAD' ? '' : await request.text()
    return new Promise<LiteResponse>((resolve, reject) => {
      wx.request({
        url: request.url,
        method: request.method,
        header,
        ...(body ? { data: body } : {}),
        dataType: 'text',
        responseType: 'text',
        ...(options.timeout ? { timeout: options.timeout } : {}),
        success: (result) => {
          const text = typeof result.data === 'string' ? result.data : JSON.stringify(result.data ?? '')
          resolve(new LiteResponse(text, { status: result.statusCode, headers: result.header ?? {} }))
        },
        fail: (error) => reject(new TypeError(`wx.request failed: ${error.errMsg}`)),
      })
    })
  }
}

export interface MiniProgramClientOptions extends Omit<GongjianClientOptions, 'fetch'> {
  wx: WxLike
  timeout?: number
}

/** `createGongjianClient` for the mini-program: the same typed client, over `wx.request`. */
export function createMiniProgramClient(options: MiniProgramClientOptions): GongjianClient {
  ensureFetchGlobals()
  const transport = wxFetch(options.wx, { timeout: options.timeout }) as unknown as (input: Request) => Promise<Response>
  return createClient({
    baseUrl: options.baseUrl,
    Request: LiteRequest as unknown as typeof Request,
    fetch: authenticatedFetch({ ...options, fetch: transport }),
  }) as GongjianClient
}
