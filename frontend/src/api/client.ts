/** The one API client of the SPA. Every call goes through it; endpoints and types come from openapi.yaml. */
import { createGongjianClient, refreshTokens } from '@gongjian/client'
import { adoptStoredTokens, clearTokens, saveTokens, storedRefreshToken, tokens } from './tokens'

type SessionEndedListener = () => void
const sessionEndedListeners: SessionEndedListener[] = []

/** Called when the refresh token is refused: the router sends the user to the login page. */
export function onSessionEnded(listener: SessionEndedListener): void {
  sessionEndedListeners.push(listener)
}

/**
 * Refresh tokens rotate and each may be spent once: two tabs spending the same one would end the
 * login. So tabs take turns (a Web Lock shared by every tab of the origin), and a tab whose token
 * was already rotated by another takes the stored result instead of spending it again.
 */
async function refreshSession(): Promise<string | null> {
  const seen = tokens.refresh
  return inTurn(async () => {
    const stored = storedRefreshToken()
    if (stored && stored !== seen) return adoptStoredTokens()
    const fresh = stored ? await refreshTokens(api, stored).catch(() => null) : null
    if (!fresh) {
      clearTokens()
      for (const listener of sessionEndedListeners) listener()
      return null
    }
    saveTokens(fresh)
    return fresh.access_token
  })
}

async function inTurn(work: () => Promise<string | null>): Promise<string | null> {
  const locks = typeof navigator !== 'undefined' ? navigator.locks : undefined
  return locks ? await locks.request('gongjian-refresh', work) : await work()
}

type Transport = (request: Request) => Promise<Response>

/** What a request that got no answer at all (server down, network lost) answers instead. */
export const NO_ANSWER = { type: 'about:blank', title: '网络错误', status: 0, code: 'network_error', detail: '无法连接服务器，请检查网络后重试' } as const

/**
 * `transport`, with "no answer" turned into an answer: a problem+json like any refusal, so every
 * caller's `if (!data) showProblem(…)` says it (once), and none is left with an unhandled rejection
 * that says nothing. A request cancelled on purpose (AbortError) still rejects.
 */
export function answeringOffline(transport: Transport): Transport {
  return async (request) => {
    try {
      return await transport(request)
    } catch (e) {
      if (e instanceof DOMException && e.name === 'AbortError') throw e
      return new Response(JSON.stringify(NO_ANSWER), { status: 503, headers: { 'Content-Type': 'application/problem+json' } })
    }
  }
}

export const api = createGongjianClient({
  baseUrl: '',
  fetch: answeringOffline((request) => globalThis.fetch(request)),
  getToken: () => tokens.access,
  onTokenExpired: refreshSession,
})

/** A client like `api` over another transport (an upload that reports progress); same session. */
export function clientOver(transport: Transport) {
  return createGongjianClient({ baseUrl: '', fetch: answeringOffline(transport), getToken: () => tokens.access, onTokenExpired: refreshSession })
}
