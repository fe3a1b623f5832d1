/**
 * What the caller may do with residents' concerns: a copy of the backend's rules
 * (`gongjian/concerns/`), kept because the API does not yet say per record what the caller may do.
 * The API decides; these only hide what it would refuse.
 */
import type { Schemas } from '@gongjian/client'
import { managesCommunity, type Caller } from '@/api/acting'

type Concern = Pick<Schemas['ConcernRead'], 'status' | 'community_org'>
export type ConcernAction = 'start' | 'escalate' | 'resolve'

/** Handled by the community's admin or the platform admin. */
export function concernActions(concern: Concern, me: Caller | null | undefined): ConcernAction[] {
  if (!managesCommunity(me, concern.community_org.id)) return []
  const actions: ConcernAction[] = []
  if (concern.status === 'reported') actions.push('start')
  if (concern.status === 'reported' || concern.status === 'in_progress') actions.push('escalate')
  if (concern.status !== 'resolved' && concern.status !== 'cancelled') actions.push('resolve')
  return actions
}

/** Anyone may report: members for themselves, admins for their own or a partner community. */
export function mayReportConcern(me: Caller | null | undefined): boolean {
  return !!me
}
