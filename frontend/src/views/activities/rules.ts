/**
 * What the caller may do with an activity: the API says so on each activity (`allowed_actions`,
 * `blocked_actions` with why not), from the same rules its endpoints apply; these only pick from it.
 * Publishing at all is `/me`'s `allowed_actions` (publish_activity).
 */
import type { Schemas } from '@gongjian/client'

type Activity = Pick<Schemas['ActivityRead'], 'allowed_actions' | 'blocked_actions'>
/** The lifecycle buttons (ActivityActions.vue). */
export type ActivityAction = Extract<Schemas['ActivityAction'], 'edit' | 'open' | 'finish' | 'cancel'>
const LIFECYCLE: readonly ActivityAction[] = ['edit', 'open', 'finish', 'cancel']

export function activityActions(activity: Activity): ActivityAction[] {
  return LIFECYCLE.filter((a) => activity.allowed_actions.includes(a))
}

/** The check-in code is shown to whom the API gives it. */
export function canShowCheckInCode(activity: Activity): boolean {
  return activity.allowed_actions.includes('check_in_code')
}

/** Sign-ups the caller may make now: a member for itself, an admin for its members. */
export function canSignUp(activity: Activity): boolean {
  return activity.allowed_actions.includes('sign_up')
}

/** Why the caller can't do what its role otherwise could (e.g. 本活动仅限本社区党员参加). */
export function blockedReasons(activity: Activity): string[] {
  return activity.blocked_actions.map((b) => b.reason)
}

/** Attendance state of a sign-up, for its tag. */
export type AttendanceState = 'absent' | 'checked_in' | 'checked_out'
export function attendanceState(signup: Pick<Schemas['SignupRead'], 'checked_in_at' | 'checked_out_at'>): AttendanceState {
  if (signup.checked_out_at) return 'checked_out'
  if (signup.checked_in_at) return 'checked_in'
  return 'absent'
}
