/**
 * Subscription-message consent (订阅消息), asked at the moment it matters: signing up for an activity
 * (the reminder and the approved hours), reporting to a community (the decision), posting a wish or
 * a concern (its progress, the answer).
 *
 * The server says which templates it has (`GET /notification-templates`: kind → template id, only
 * those configured); the mini-program asks WeChat with `uni.requestSubscribeMessage({ tmplIds })` and
 * records each answer with the API (`POST /me/notification-consents`, or, for a WeChat user not bound
 * to an account yet — a 报到 reporter — `POST /notification-consents/wechat` with its binding ticket).
 * Each "accept" lets the server send one message of that kind.
 *
 * WeChat lets `requestSubscribeMessage` run only from a tap: screens call `askConsent` first thing in
 * the tap's handler (before their own request) and the templates are loaded at launch
 * (`loadTemplates`), so the call to WeChat happens without waiting on the network.
 *
 * The mobile web build has no subscription messages (they reach a WeChat user inside WeChat only):
 * there `askConsent` asks nothing and records nothing. Vitest does not apply uni-app's conditional
 * compilation (`#ifdef`), so the unit tests run the mini-program's path.
 */
import type { Schemas } from '@gongjian/client'
import { api, tokens } from '@/api/session'
import { call } from '@/api/call'

export type ConsentMoment = 'activity_signed_up' | 'report_submitted' | 'wish_posted' | 'concern_posted'
type Kind = Schemas['NotificationKind']
type Result = Schemas['NotificationConsentResult']
type Template = Schemas['NotificationTemplateRead']

/** The kinds of message each moment leads to (WeChat shows at most three templates at once). */
export const KINDS_OF: Record<ConsentMoment, Kind[]> = {
  activity_signed_up: ['activity_reminder', 'volunteer_record_approved'],
  report_submitted: ['report_decided'],
  wish_posted: ['wish_progress'],
  concern_posted: ['concern_answered'],
}

const RESULTS: readonly string[] = ['accept', 'reject', 'ban', 'filter'] satisfies Result[]

/** True in the mini-program build, false in the web build (see above). */
export const subscriptionsAvailable: boolean = (() => {
  // #ifdef MP-WEIXIN
  return true
  // #endif
  // #ifndef MP-WEIXIN
  return false
  // #endif
})()

let templates: Template[] | null = null
let loading: Promise<Template[]> | null = null

/** The server's templates, loaded once (again after a failure). */
export function loadTemplates(): Promise<Template[]> {
  if (templates) return Promise.resolve(templates)
  if (!loading) {
    loading = call(api.GET('/api/v1/notification-templates')).then((result) => {
      loading = null
      if (result.data) templates = result.data
      return result.data ?? []
    })
  }
  return loading
}

/** Forgets the loaded templates (tests; a new server configuration needs a new launch anyway). */
export function resetTemplates(): void {
  templates = null
  loading = null
}

function requestSubscribe(tmplIds: string[]): Promise<Record<string, unknown> | null> {
  return new Promise((resolve) => {
    uni.requestSubscribeMessage({
      tmplIds,
      success: (answer) => resolve(answer as unknown as Record<string, unknown>),
      // Refused outright (the switch "总是保持以上选择" off, no tap, an old WeChat): nothing to record.
      fail: () => resolve(null),
    } as UniApp.RequestSubscribeMessageOption)
  })
}

/**
 * Asks for the moment's kinds and records the answers; resolves to what was recorded (empty when
 * nothing was asked: the web build, no template configured, WeChat refused, nobody to record for).
 * `bindingTicket`: the unbound WeChat user's ticket when nobody is signed in (a 报到 reporter).
 */
export async function askConsent(moment: ConsentMoment, bindingTicket?: string | null): Promise<Schemas['ConsentResult'][]> {
  if (!subscriptionsAvailable) return []
  const offered = templates ?? (await loadTemplates())
  const wanted = offered.filter((t) => KINDS_OF[moment].includes(t.kind))
  if (!wanted.length) return []
  const answer = await requestSubscribe(wanted.map((t) => t.template_id))
  if (!answer) return []
  const results = wanted
    .map((t) => ({ kind: t.kind, result: answer[t.template_id] }))
    .filter((r): r is Schemas['ConsentResult'] => typeof r.result === 'string' && RESULTS.includes(r.result))
  if (!results.length) return []
  if (tokens.access) {
    const saved = await call(api.POST('/api/v1/me/notification-consents', { body: { results } }))
    return saved.data ? results : []
  }
  if (bindingTicket) {
    const saved = await call(api.POST('/api/v1/notification-consents/wechat', { body: { results, binding_ticket: bindingTicket } }))
    return saved.data ? results : []
  }
  return []
}
