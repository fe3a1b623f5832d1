/**
 * What a member can do with a micro-wish, mirroring the API's rules (wishes/service.py): a published
 * wish can be claimed; the member who claimed it can report it fulfilled (with photos) or give it up.
 */
import type { Schemas } from '@gongjian/client'

export type Wish = Schemas['WishRead']

export interface WishActions {
  claim: boolean
  fulfil: boolean
  release: boolean
}

export function wishActions(wish: Wish, memberId: number | null | undefined): WishActions {
  const mine = memberId != null && wish.claimant_member?.id === memberId
  return {
    claim: memberId != null && wish.status === 'published',
    fulfil: mine && wish.status === 'claimed',
    release: mine && wish.status === 'claimed',
  }
}

/** A fulfilment report needs a few words. At most 9 photos at a time: the screen's limit (WeChat's picker's), not the API's. */
export const MAX_PHOTOS = 9

export function fulfilIssues(note: string, photos: number): Record<string, string> {
  const issues: Record<string, string> = {}
  if (note.trim().length < 2) issues.note = '请简要说明心愿是怎样实现的'
  if (photos > MAX_PHOTOS) issues.photos = `最多 ${MAX_PHOTOS} 张照片`
  return issues
}
