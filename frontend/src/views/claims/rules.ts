/**
 * Which buttons the claim board and the claims list show: the API's answers, never a copy of its
 * rules — whether the caller may claim an item (`caller_may_claim`, the rule the claim endpoint
 * applies), what it may do to an item as its provider and to a claim (`allowed_actions`).
 */
import type { Schemas } from '@gongjian/client'

type Item = Pick<Schemas['ServiceItemRead'], 'caller_may_claim' | 'allowed_actions'>
type Claim = Pick<Schemas['ClaimRead'], 'allowed_actions'>
export type ClaimAction = Schemas['ClaimAction']
export type ItemAction = 'claim' | Schemas['ServiceItemAction']
const ITEM_STEPS: readonly Schemas['ServiceItemAction'][] = ['edit', 'publish', 'close']
const CLAIM_STEPS: readonly ClaimAction[] = ['start', 'complete', 'withdraw', 'verify', 'reject']

/** 认领 when the API says the caller may claim; the provider's edit, publish and close. */
export function itemActions(item: Item): ItemAction[] {
  const actions: ItemAction[] = item.caller_may_claim ? ['claim'] : []
  return actions.concat(ITEM_STEPS.filter((a) => item.allowed_actions.includes(a)))
}

export function claimActions(claim: Claim): ClaimAction[] {
  return CLAIM_STEPS.filter((a) => claim.allowed_actions.includes(a))
}
