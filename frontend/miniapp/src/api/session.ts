/**
 * The app's one API client and its session. Tokens live in uni storage (the mini-program's storage,
 * localStorage on h5, through uni's one API), the client adds the bearer token and, on a 401,
 * refreshes once and retries (the client package's `authenticatedFetch`); refreshes are
 * single-flight, because a refresh token rotates and may be spent once.
 */
import { reactive } from 'vue'
import { createUniClient, refreshTokens, uploadPhoto, type UniLike } from '@gongjian/client/uni'
import type { TokenResponse } from '@gongjian/client'

const ACCESS = 'gongjian.access_token'
const REFRESH = 'gongjian.refresh_token'

/** `__API_BASE__` is the build's (mini-program: the API's https origin; h5: same origin). */
export const apiBase: string = typeof __API_BASE__ === 'string' ? __API_BASE__ : ''

function read(key: string): string | null {
  const value = uni.getStorageSync(key)
  return typeof value === 'string' && value ? value : null
}

export const tokens = reactive({ access: read(ACCESS), refresh: read(REFRESH) })

export function saveTokens(t: Pick<TokenResponse, 'access_token' | 'refresh_token'>): void {
  tokens.access = t.access_token
  tokens.refresh = t.refresh_token
  uni.setStorageSync(ACCESS, t.access_token)
  uni.setStorageSync(REFRESH, t.refresh_token)
}

export function clearTokens(): void {
  tokens.access = null
  tokens.refresh = null
  uni.removeStorageSync(ACCESS)
  uni.removeStorageSync(REFRESH)
}

type Listener = () => void
const sessionEnded: Listener[] = []

/** Called once the refresh token is refused: the app goes back to the login screen. */
export function onSessionEnded(listener: Listener): void {
  sessionEnded.push(listener)
}

let refreshing: Promise<string | null> | null = null

/** New tokens from the refresh token, at most one exchange at a time; null when the session is over. */
export function refreshSession(): Promise<string | null> {
  if (!refreshing) {
    refreshing = (async () => {
      const refresh = tokens.refresh
      const fresh = refresh ? await refreshTokens(api, refresh).catch(() => null) : null
      if (!fresh) {
        clearTokens()
        for (const listener of sessionEnded) listener()
        return null
      }
      saveTokens(fresh)
      return fresh.access_token
    })().finally(() => {
      refreshing = null
    })
  }
  return refreshing
}

const session = { baseUrl: apiBase, getToken: () => tokens.access, onTokenExpired: refreshSession }

/**
 * The two `uni` APIs the client uses, called by name: the h5 build turns each `uni.x` into an import
 * of that one API, so `uni` itself, passed along as an object, would not carry them.
 */
const transport: UniLike = {
  request: (options) => uni.request(options as UniApp.RequestOptions),
  uploadFile: (options) => uni.uploadFile(options as UniApp.UploadFileOption),
}

export const api = createUniClient({ ...session, uni: transport, timeout: 20_000 })

/** Uploads a photo chosen with `uni.chooseMedia` (its temp file path), with the same session. */
export function upload(filePath: string) {
  return uploadPhoto({ ...session, uni: transport, filePath, timeout: 60_000 })
}
