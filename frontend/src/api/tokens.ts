/** The session's tokens, kept in localStorage so a reload (or a new tab) stays signed in. */
import { reactive } from 'vue'
import type { TokenResponse } from '@gongjian/client'

const ACCESS = 'gongjian.access_token'
const REFRESH = 'gongjian.refresh_token'

export const tokens = reactive({
  access: localStorage.getItem(ACCESS),
  refresh: localStorage.getItem(REFRESH),
})

export function saveTokens(t: TokenResponse): void {
  tokens.access = t.access_token
  tokens.refresh = t.refresh_token
  localStorage.setItem(ACCESS, t.access_token)
  localStorage.setItem(REFRESH, t.refresh_token)
}

/** The refresh token as stored now (another tab may have rotated it since `tokens` was read). */
export function storedRefreshToken(): string | null {
  return localStorage.getItem(REFRESH)
}

/** Take the tokens another tab stored; resolves to the access token. */
export function adoptStoredTokens(): string | null {
  tokens.access = localStorage.getItem(ACCESS)
  tokens.refresh = localStorage.getItem(REFRESH)
  return tokens.access
}

export function clearTokens(): void {
  tokens.access = null
  tokens.refresh = null
  localStorage.removeItem(ACCESS)
  localStorage.removeItem(REFRESH)
}

// Another tab signed in or out: follow it.
window.addEventListener('storage', (event) => {
  if (event.key === ACCESS) tokens.access = event.newValue
  if (event.key === REFRESH) tokens.refresh = event.newValue
})
