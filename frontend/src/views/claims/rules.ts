/**
 * Which buttons the claim board and the claims list show. The API decides every step; whether the
 * caller may claim an item is the API's own answer (`caller_may_claim`, the rule the claim endpoint
 * applies), so nothing here repeats the claim rules or which claim statuses hold a place.
 */
import type { Schemas } from '@gongjian/client'
import { actsFor, type Caller } from '@/api/acting'

type Item = Pick<Schemas['ServiceItemRead'], 'status' | 'provider_org' | 'caller_may_claim'>
type Claim = Pick<Schemas['ClaimRead'], 'status' | 'organization' | 'item'>
export type ClaimAction = 'start' | 'complete' | 'withdraw' | 'verify' | 'reject'
export type ItemAction = 'claim' | 'edit' | 'publish' | 'close'

/** 认领 when the API says the caller may claim; the provider's edit, publish and close. */
export function itemActions(item: Item, me: Caller | null | undefined): ItemAction[] {
  if (!me) return []
  const actions: ItemAction[] = []
  if (item.caller_may_claim) actions.push('claim')
  if (actsFor(me, item.provider_org?.id)) {
    actions.push('edit')
    if (item.status === 'draft' || item.status === 'closed') actions.push('publish')
    if (item.status === 'published') actions.push('close')
  }
  return actions
}

export function claimActions(claim: Claim, me: Caller | null | undefined): ClaimAction[] {
  const actions: ClaimAction[] = []
  const claimant = actsFor(me, claim.organization.id)
  const provider = actsFor(me, claim.item.provider_org?.id)
  if (claimant && claim.status === 'claimed') actions.push('start')
  if (claimant && claim.status === 'in_progress') actions.push('complete')
  if (claimant && (claim.status === 'claimed' || claim.status === 'in_progress')) actions.push('withdraw')
  if (provider && claim.status === 'completed') actions.push('verify')
  if (provider && ['claimed', 'in_progress', 'completed'].includes(claim.status)) actions.push('reject')
  return actions
}
