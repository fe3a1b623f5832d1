/** Which claim-list actions are legal for the caller (mirrors backend/gongjian/claims/service.py). */
import type { Schemas } from '@gongjian/client'
import { actsFor, isOrgAdmin, type Caller } from '@/api/acting'

type Item = Pick<Schemas['ServiceItemRead'], 'status' | 'direction' | 'free_capacity' | 'claim_deadline' | 'provider_org'>
type Claim = Pick<Schemas['ClaimRead'], 'status' | 'organization' | 'item'>
/** Claims that hold a place on their item. */
export const ACTIVE_CLAIM_STATUSES: readonly Schemas['ClaimStatus'][] = ['claimed', 'in_progress', 'completed']
export type ClaimAction = 'start' | 'complete' | 'withdraw' | 'verify' | 'reject'
export type ItemAction = 'claim' | 'edit' | 'publish' | 'close'

/**
 * Needs are claimed by member units' and social organisations' admins (`unit_admin`), resources by
 * community admins. The platform admin claims in an organisation's name only through the API.
 */
function claimsDirection(me: Caller): Schemas['ServiceDirection'] | null {
  if (!isOrgAdmin(me)) return null
  return me.role === 'community_admin' ? 'resource' : 'need'
}

/**
 * `today` is the Shanghai calendar day as YYYY-MM-DD (deadlines are inclusive); `held`: the
 * caller's organisation already has an active claim on the item (one per organisation and item).
 */
export function itemActions(item: Item, me: Caller | null | undefined, today: string, held = false): ItemAction[] {
  if (!me) return []
  const actions: ItemAction[] = []
  const provider = actsFor(me, item.provider_org.id)
  if (
    item.status === 'published' &&
    item.free_capacity > 0 &&
    (!item.claim_deadline || item.claim_deadline >= today) &&
    !held &&
    claimsDirection(me) === item.direction &&
    me.organization_id !== item.provider_org.id
  ) {
    actions.push('claim')
  }
  if (provider) {
    actions.push('edit')
    if (item.status === 'draft' || item.status === 'closed') actions.push('publish')
    if (item.status === 'published') actions.push('close')
  }
  return actions
}

export function claimActions(claim: Claim, me: Caller | null | undefined): ClaimAction[] {
  const actions: ClaimAction[] = []
  const claimant = actsFor(me, claim.organization.id)
  const provider = actsFor(me, claim.item.provider_org.id)
  if (claimant && claim.status === 'claimed') actions.push('start')
  if (claimant && claim.status === 'in_progress') actions.push('complete')
  if (claimant && (claim.status === 'claimed' || claim.status === 'in_progress')) actions.push('withdraw')
  if (provider && claim.status === 'completed') actions.push('verify')
  if (provider && ['claimed', 'in_progress', 'completed'].includes(claim.status)) actions.push('reject')
  return actions
}
