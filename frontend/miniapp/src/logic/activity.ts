/**
 * What a member can do on an activity right now. Cancelling comes from the API (the sign-up's
 * `allowed_actions`); signing up and checking in / out still follow the activity's times and status
 * here, mirroring activities/signups.py, until `ActivityRead` says what the caller may do (the API
 * decides in any case: a refused step shows its problem).
 */
import type { Schemas } from '@gongjian/client'

export type Activity = Schemas['ActivityRead']
export type Signup = Schemas['SignupRead']

/** Check-in opens this long before the start (the API's CHECK_IN_OPENS_BEFORE). */
export const CHECK_IN_OPENS_BEFORE_MS = 3600 * 1000
/** The check-in code stays valid this long after the end (the API's CHECK_OUT_GRACE). */
export const CHECK_OUT_GRACE_MS = 3600 * 1000

export interface ActivityActions {
  signUp: boolean
  cancel: boolean
  checkIn: boolean
  checkOut: boolean
  /** One line on where the member stands: 已报名, 候补第 2 位, 已签到 … */
  standing: string
}

/** The member's live sign-up (signed up or waiting) among `signups`, or null. */
export function liveSignup(signups: readonly Signup[]): Signup | null {
  return signups.find((s) => s.status !== 'cancelled') ?? null
}

export function activityActions(activity: Activity, mine: Signup | null, now = Date.now()): ActivityActions {
  const starts = Date.parse(activity.starts_at)
  const ends = Date.parse(activity.ends_at)
  const open = activity.status === 'open'
  const started = now >= starts
  const holdsPlace = mine?.status === 'signed_up'
  const checkedIn = Boolean(mine?.checked_in_at)
  const checkedOut = Boolean(mine?.checked_out_at)
  const actions: ActivityActions = {
    signUp: open && !started && !mine,
    cancel: Boolean(mine?.allowed_actions.includes('cancel')),
    checkIn: open && holdsPlace && !checkedIn && now >= starts - CHECK_IN_OPENS_BEFORE_MS && now <= ends + CHECK_OUT_GRACE_MS,
    checkOut:
      (activity.status === 'open' || activity.status === 'finished') && holdsPlace && checkedIn && !checkedOut && now <= ends + CHECK_OUT_GRACE_MS,
    standing: '',
  }
  if (!mine) actions.standing = open && !started ? '' : '未报名'
  else if (mine.status === 'waiting') actions.standing = `候补第 ${mine.waiting_position ?? '?'} 位`
  else if (checkedOut) actions.standing = '已签退'
  else if (checkedIn) actions.standing = '已签到'
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
