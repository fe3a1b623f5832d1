/**
 * Which micro-wish steps the caller may take: the API's answer on each wish (`allowed_actions`, by
 * the rules its endpoints apply); this only picks the steps the SPA offers (rating is the resident's,
 * in the mini-app).
 */
import type { Schemas } from '@gongjian/client'

export type WishAction = Exclude<Schemas['WishAction'], 'rate'>
const STEPS: readonly WishAction[] = ['verify', 'reject', 'publish', 'claim', 'fulfil', 'release', 'close', 'cancel']

export function wishActions(wish: Pick<Schemas['WishRead'], 'allowed_actions'>): WishAction[] {
  return STEPS.filter((a) => wish.allowed_actions.includes(a))
}
