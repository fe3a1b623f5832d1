/**
 * The Gongjian client in a uni-app app (the members' app, `frontend/miniapp/`): the same `fetch`
 * adapter as the WeChat one, over `uni.request`, which takes the same options on every platform
 * (`wx.request` in the mini-program, XMLHttpRequest in the mobile web build) — so both builds reach
 * the API by one path. Uploads go through `uni.uploadFile` with the same token handling.
 *
 *   import { createUniClient } from '@gongjian/client/uni'
 *   const api = createUniClient({ baseUrl: '', uni, getToken, onTokenExpired })
 */
import type { GongjianClient, GongjianClientOptions, Schemas } from './index'
import { authenticatedFetch } from './index'
import { LiteRequest, LiteResponse } from './fetch-lite'
import { createMiniProgramClient, type WxLike } from './wx'

export { login, wechatLogin, bindWechat, refreshTokens, logout, asProblem } from './index'
export { LiteHeaders, LiteRequest, LiteResponse } from './fetch-lite'

/** The part of uni-app's `uni` object the adapter uses: `request` (shaped as `wx.request`) and `uploadFile`. */
export interface UniLike extends WxLike {
  uploadFile(options: {
    url: string
    filePath: string
    name: string
    header?: Record<string, string>
    formData?: Record<string, string>
    timeout?: number
    success?: (result: { statusCode: number; data: string }) => void
    fail?: (error: { errMsg: string }) => void
  }): unknown
}

export interface UniClientOptions extends Omit<GongjianClientOptions, 'fetch'> {
  uni: UniLike
  timeout?: number
}

/** `createGongjianClient` over `uni.request`: the typed client, with the bearer token and one refresh on 401. */
export function createUniClient(options: UniClientOptions): GongjianClient {
  const { uni, ...rest } = options
  return createMiniProgramClient({ ...rest, wx: uni })
}

export type Upload = Schemas['UploadRead']

export interface UploadOptions extends Omit<GongjianClientOptions, 'fetch'> {
  uni: UniLike
  /** A local file path, as `uni.chooseMedia` / `uni.chooseImage` give it. */
  filePath: string
  timeout?: number
}

/**
 * Uploads a photo (`POST /api/v1/uploads`, multipart field `file`) with `uni.uploadFile`, through the
 * client's own token handling (`authenticatedFetch`: bearer token, one refresh and retry on 401).
 * Resolves to `{ data }` with the upload, or `{ error, status }` with the problem+json answer.
 */
export async function uploadPhoto(
  options: UploadOptions,
): Promise<{ data: Upload; error?: undefined; status: number } | { data?: undefined; error: unknown; status: number }> {
  const { uni, filePath, timeout } = options
  const transport = (request: LiteRequest) =>
    new Promise<LiteResponse>((resolve, reject) => {
      const header: Record<string, string> = {}
      for (const [name, value] of request.headers.entries()) header[name] = value
      uni.uploadFile({
        url: request.url,
        filePath,
        name: 'file',
        header,
        ...(timeout ? { timeout } : {}),
        success: (result) =>
          resolve(
            new LiteResponse(typeof result.data === 'string' ? result.data : JSON.stringify(result.data ?? ''), {
              status: result.statusCode,
            }),
          ),
        fail: (error) => reject(new TypeError(`uni.uploadFile failed: ${error.errMsg}`)),
      })
    })
  const send = authenticatedFetch({ ...options, fetch: transport as unknown as (input: Request) => Promise<Response> })
  const response = (await send(
    new LiteRequest(`${options.baseUrl}/api/v1/uploads`, { method: 'POST' }) as unknown as Request,
  )) as unknown as LiteResponse
  const text = await response.text()
  let body: unknown = null
  try {
    body = text ? JSON.parse(text) : null
  } catch {
    body = null
  }
  if (response.status === 201) return { data: body as Upload, status: response.status }
  return { error: body, status: response.status }
}
