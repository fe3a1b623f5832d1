/**
 * Who is signed in and their overview (`/me`, `/me/overview`), login by password (h5) or WeChat
 * (mini-program), binding, and logout. A plain reactive store: screens read it, actions change it.
 */
import { computed, reactive } from 'vue'
import { bindWechat, login as passwordLogin, logout as logoutRequest, wechatLogin, type Schemas } from '@gongjian/client'
import { api, clearTokens, saveTokens, tokens } from '@/api/session'
import { call, type Result } from '@/api/call'

export type Me = Schemas['MeRead']
export type Overview = Schemas['Overview']

export const session = reactive({
  me: null as Me | null,
  overview: null as Overview | null,
  /** A WeChat user not yet bound to an account: the ticket to bind it, or to report with it. */
  bindingTicket: null as string | null,
})

export const signedIn = computed(() => Boolean(tokens.access))
/** The account is linked to a member's profile (a member who reported, or was entered by an admin). */
export const isMember = computed(() => Boolean(session.overview?.member))
/** A `member` account with no member profile yet: it has to report to a community first. */
export const needsReport = computed(() => session.me?.role === 'member' && session.overview !== null && !session.overview.member)
/** A resident (居民): its own wishes and concerns, nothing of a member's. */
export const isResident = computed(() => session.me?.role === 'resident')

/** Loads `/me` and `/me/overview`; on a 401 (the session ended) the tokens are gone. */
export async function loadMe(): Promise<Result<Overview>> {
  const me = await call(api.GET('/api/v1/me'))
  if (me.problem) {
    if (me.problem.status === 401) clearTokens()
    return me
  }
  session.me = me.data
  const overview = await call(api.GET('/api/v1/me/overview'))
  if (overview.data) session.overview = overview.data
  return overview
}

export async function login(username: string, password: string): Promise<Result<Overview>> {
  const result = await call(passwordLogin(api, username, password))
  if (result.problem) return result
  saveTokens(result.data)
  return loadMe()
}

/**
 * Signs in with the code of `uni.login()` (mini-program only). Resolves to 'bound' (signed in) or
 * 'binding_required' (the ticket is kept for binding or reporting).
 */
export async function loginWithWechatCode(code: string): Promise<Result<'bound' | 'binding_required'>> {
  const result = await call(wechatLogin(api, code))
  if (result.problem) return result
  if (result.data.status === 'binding_required' && 'binding_ticket' in result.data) {
    session.bindingTicket = result.data.binding_ticket
    return { data: 'binding_required' }
  }
  if ('access_token' in result.data) {
    saveTokens(result.data)
    session.bindingTicket = null
    const loaded = await loadMe()
    return loaded.problem ? loaded : { data: 'bound' }
  }
  return { data: 'binding_required' }
}

/** Binds the WeChat user to an account: an invitation code, or the account's user name and password. */
export async function bind(body: Omit<Schemas['WechatBindRequest'], 'binding_ticket'>): Promise<Result<Overview>> {
  if (!session.bindingTicket) return { problem: { type: 'about:blank', title: '微信登录已失效', status: 401, code: 'binding_ticket_missing', detail: '请重新进入小程序' } }
  const result = await call(bindWechat(api, { ...body, binding_ticket: session.bindingTicket }))
  if (result.problem) return result
  saveTokens(result.data)
  session.bindingTicket = null
  return loadMe()
}

/**
 * A WeChat user no account is bound to registers as a resident of the community whose 报到 code it
 * scanned: the API opens its resident login, binds this WeChat to it and signs it in.
 */
export async function registerResident(body: Omit<Schemas['ResidentWechatCreate'], 'binding_ticket'>): Promise<Result<Overview>> {
  if (!session.bindingTicket) return { problem: { type: 'about:blank', title: '微信登录已失效', status: 401, code: 'binding_ticket_missing', detail: '请重新进入小程序' } }
  const result = await call(api.POST('/api/v1/residents/wechat', { body: { ...body, binding_ticket: session.bindingTicket } }))
  if (result.problem) return result
  saveTokens(result.data)
  session.bindingTicket = null
  return loadMe()
}

/** Signs out here even when the API can't be reached; the API ends the login when it can. */
export async function logout(): Promise<void> {
  const refresh = tokens.refresh
  clearTokens()
  session.me = null
  session.overview = null
  if (refresh) await logoutRequest(api, refresh).catch(() => false)
}

/** The session ended elsewhere (password changed, WeChat unbound, refresh refused). */
export function forget(): void {
  session.me = null
  session.overview = null
}
