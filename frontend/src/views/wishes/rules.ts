/**
 * Which micro-wish steps are legal for the caller: a copy of the backend's rules
 * (`gongjian/wishes/`), kept because the API does not yet say per record what the caller may do.
 * The API decides; these only hide what it would refuse.
 */
import type { Schemas } from '@gongjian/client'
import { actsFor, managesCommunity, type Caller } from '@/api/acting'

type Wish = Pick<Schemas['WishRead'], 'status' | 'community_org' | 'claimant_org' | 'claimant_member'>
export type WishAction = 'verify' | 'reject' | 'publish' | 'claim' | 'release' | 'fulfil' | 'close' | 'cancel'

/**
 * Who claimed: an organisation's admin; for a member's claim the member or (the API checks which)
 * the admin of the member's unit — the list doesn't say the member's unit, so any unit admin who
 * can see the wish is offered the step and the API has the last word.
 */
function isClaimant(wish: Wish, me: Caller): boolean {
  if (wish.claimant_org) return me.role !== 'admin' && actsFor(me, wish.claimant_org.id)
  if (wish.claimant_member) return me.role === 'member' || me.role === 'unit_admin'
  return false
}

export function wishActions(wish: Wish, me: Caller | null | undefined): WishAction[] {
  if (!me) return []
  const m = managesCommunity(me, wish.community_org.id)
  const claimant = isClaimant(wish, me)
  const actions: WishAction[] = []
  if (m && wish.status === 'submitted') actions.push('verify')
  if (m && (wish.status === 'submitted' || wish.status === 'verified')) actions.push('reject')
  if (m && wish.status === 'verified') actions.push('publish')
  if (wish.status === 'published' && (me.role === 'admin' || me.role === 'unit_admin' || me.role === 'member')) actions.push('claim')
  if ((m || claimant) && wish.status === 'claimed') actions.push('fulfil', 'release')
  if (m && wish.status === 'fulfilled') actions.push('close')
  if (m && ['submitted', 'verified', 'published', 'claimed'].includes(wish.status)) actions.push('cancel')
  return actions
}
