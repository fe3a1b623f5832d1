/**
 * Who may do what with an activity: a copy of the backend's rules (`gongjian/activities/`), kept
 * because the API does not yet say per record what the caller may do. The API decides; these only
 * hide what it would refuse.
 */
import type { Schemas } from '@gongjian/client'
import { actsFor, hasAdminRole, type Caller } from '@/api/acting'

type Activity = Pick<Schemas['ActivityRead'], 'status' | 'community_org' | 'organizer_org'>
export type ActivityAction = 'edit' | 'open' | 'finish' | 'cancel'

/** The platform admin, or an admin of the organiser or of the activity's community. */
export function managesActivity(activity: Activity, me: Caller | null | undefined): boolean {
  return actsFor(me, activity.organizer_org.id) || actsFor(me, activity.community_org.id)
}

/** Who may publish an activity at all: the platform admin and organisation admins. */
export function canCreateActivity(me: Caller | null | undefined): boolean {
  return hasAdminRole(me)
}

export function activityActions(activity: Activity, me: Caller | null | undefined): ActivityAction[] {
  if (!managesActivity(activity, me)) return []
  const actions: ActivityAction[] = []
  const live = activity.status === 'planned' || activity.status === 'open'
  if (activity.status !== 'cancelled') actions.push('edit')
  if (activity.status === 'planned') actions.push('open')
  if (live) actions.push('finish', 'cancel')
  return actions
}

/** The check-in code is issued to managers while the activity is not cancelled. */
export function canShowCheckInCode(activity: Activity, me: Caller | null | undefined): boolean {
  return managesActivity(activity, me) && activity.status !== 'cancelled'
}

/** Sign-ups are taken while the activity is open: a member for itself, an admin for its members. */
export function canSignUp(activity: Activity, me: Caller | null | undefined): boolean {
  if (!me || activity.status !== 'open') return false
  return me.role === 'member' || hasAdminRole(me)
}

/** Attendance state of a sign-up, for its tag. */
export type AttendanceState = 'absent' | 'checked_in' | 'checked_out'
export function attendanceState(signup: Pick<Schemas['SignupRead'], 'checked_in_at' | 'checked_out_at'>): AttendanceState {
  if (signup.checked_out_at) return 'checked_out'
  if (signup.checked_in_at) return 'checked_in'
  return 'absent'
}
