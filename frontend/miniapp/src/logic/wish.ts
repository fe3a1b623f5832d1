/**
 * What a member can do with a micro-wish: what the API's `allowed_actions` says (claim a published
 * wish; its claimant reports it fulfilled or gives it up) — the rules stay in wishes/permissions.py.
 */
import type { Schemas } from '@gongjian/client'

export type Wish = Schemas['WishRead']

export interface WishActions {
  claim: boolean
  fulfil: boolean
  release: boolean
}

export function wishActions(wish: Wish): WishActions {
  const allowed = new Set<string>(wish.allowed_actions)
  return { claim: allowed.has('claim'), fulfil: allowed.has('fulfil'), release: allowed.has('release') }
}

/** A fulfilment report needs a few words. At most 9 photos at a time: the screen's limit (WeChat's picker's), not the API's. */
export const MAX_PHOTOS = 9

export function fulfilIssues(note: string, photos: number): Record<string, string> {
  const issues: Record<string, string> = {}
  if (note.trim().length < 2) issues.note = '请简要说明心愿是怎样实现的'
  if (photos > MAX_PHOTOS) issues.photos = `最多 ${MAX_PHOTOS} 张照片`
  return issues
}
