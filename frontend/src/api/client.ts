/** The one API client of the SPA. Every call goes through it; endpoints and types come from openapi.yaml. */
import { createGongjianClient, refreshTokens } from '@gongjian/client'
import { clearTokens, saveTokens, tokens } from './tokens'

type SessionEndedListener = () => void
const sessionEndedListeners: SessionEndedListener[] = []

/** Called when the refresh token is refused: the router sends the user to the login page. */
export function onSessionEnded(listener: SessionEndedListener): void {
  sessionEndedListeners.push(listener)
}

async function refreshSession(): Promise<string | null> {
  const refresh = tokens.refresh
  const fresh = refresh ? await refreshTokens(api, refresh).catch(() => null) : null
  if (!fresh) {
    // Another tab may have refreshed first (refresh tokens rotate): take its token if it did.
    if (tokens.refresh && tokens.refresh !== refresh) return tokens.access
    clearTokens()
    for (const listener of sessionEndedListeners) listener()
    return null
  }
  saveTokens(fresh)
  return fresh.access_token
}

export const api = createGongjianClient({
  baseUrl: '',
  getToken: () => tokens.access,
  onTokenExpired: refreshSession,
})

/** A client like `api` over another transport (an upload that reports progress); same session. */
export function clientOver(transport: (request: Request) => Promise<Response>) {
  return createGongjianClient({ baseUrl: '', fetch: transport, getToken: () => tokens.access, onTokenExpired: refreshSession })
}
