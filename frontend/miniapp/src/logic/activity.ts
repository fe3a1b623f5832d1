/**
 * What a member can do on an activity right now: the API says it (the activity's `allowed_actions`
 * and `blocked_actions` for the caller, the sign-up's `allowed_actions` for cancelling), so no rule of
 * activities/ is copied here; only the member's standing is put into words.
 */
import type { Schemas } from '@gongjian/client'

export type Activity = Schemas['ActivityRead']
export type Signup = Schemas['SignupRead']

export interface ActivityActions {
  signUp: boolean
  cancel: boolean
  checkIn: boolean
  checkOut: boolean
  /** Why a step the member could take is not open now (the API's own sentence), or ''. */
  blocked: string
  /** One line on where the member stands: 已报名, 候补第 2 位, 已签到 … */
  standing: string
}

/** The member's live sign-up (signed up or waiting) among `signups`, or null. */
export function liveSignup(signups: readonly Signup[]): Signup | null {
  return signups.find((s) => s.status !== 'cancelled') ?? null
}

export function activityActions(activity: Activity, mine: Signup | null): ActivityActions {
  const allowed = new Set<string>(activity.allowed_actions)
  const memberSteps = ['sign_up', 'check_in', 'check_out']
  const blocked = activity.blocked_actions.find((b) => memberSteps.includes(b.action))
  const actions: ActivityActions = {
    signUp: allowed.has('sign_up'),
    cancel: Boolean(mine?.allowed_actions.includes('cancel')),
    checkIn: allowed.has('check_in'),
    checkOut: allowed.has('check_out'),
    blocked: blocked?.reason ?? '',
    standing: '',
  }
  if (!mine) actions.standing = actions.signUp ? '' : '未报名'
  else if (mine.status === 'waiting') actions.standing = `候补第 ${mine.waiting_position ?? '?'} 位`
  else if (mine.checked_out_at) actions.standing = '已签退'
  else if (mine.checked_in_at) actions.standing = '已签到'
  else actions.standing = '已报名'
  return actions
}

/** "剩 3 个名额", "已满，可候补（2 人候补）", "不限名额". */
export function placesText(activity: Activity): string {
  if (activity.capacity == null) return '不限名额'
  const left = activity.capacity - activity.signup_count
  if (left > 0) return `剩 ${left} 个名额（共 ${activity.capacity}）`
  return activity.waiting_count ? `已满，可候补（${activity.waiting_count} 人候补）` : '已满，可候补'
}
