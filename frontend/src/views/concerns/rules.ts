/**
 * What the caller may do with residents' concerns: the API's answer on each concern
 * (`allowed_actions`, by the rules its endpoints apply); this only picks the community's steps the
 * SPA offers (withdrawing and rating are the resident's, in the mini-app).
 */
import type { Schemas } from '@gongjian/client'
import type { Caller } from '@/api/acting'

export type ConcernAction = Extract<Schemas['ConcernAction'], 'start' | 'escalate' | 'resolve'>
const STEPS: readonly ConcernAction[] = ['start', 'escalate', 'resolve']

export function concernActions(concern: Pick<Schemas['ConcernRead'], 'allowed_actions'>): ConcernAction[] {
  return STEPS.filter((a) => concern.allowed_actions.includes(a))
}

/** Anyone signed in may report: members for themselves, admins for their own or a partner community. */
export function mayReportConcern(me: Caller | null | undefined): boolean {
  return !!me
}
