import { describe, expect, it } from 'vitest'
import type { Schemas } from '@gongjian/client'
import { claimActions, itemActions } from '@/views/claims/rules'
import { wishActions } from '@/views/wishes/rules'
import { ifMatch } from '@/composables/versioned'
import { filenameOf } from '@/composables/download'
import { actsFor } from '@/api/acting'

const admin = { role: 'admin' as const, organization_id: null }
const unit = { role: 'unit_admin' as const, organization_id: 2 }
const member = { role: 'member' as const, organization_id: null }

describe('actsFor', () => {
  it('is the platform admin or the organisation’s own admin', () => {
    expect(actsFor(admin, 5)).toBe(true)
    expect(actsFor(unit, 2)).toBe(true)
    expect(actsFor(unit, 1)).toBe(false)
    expect(actsFor(member, null)).toBe(false)
    expect(actsFor(null, 1)).toBe(false)
  })
})

describe('itemActions', () => {
  const item = (caller_may_claim: boolean, allowed_actions: Schemas['ServiceItemAction'][] = []) => ({ caller_may_claim, allowed_actions })
  it('offers 认领 exactly when the API says the caller may claim', () => {
    expect(itemActions(item(true))).toEqual(['claim'])
    expect(itemActions(item(false))).toEqual([])
  })
  it('offers the provider\'s steps the API allows, in their order', () => {
    expect(itemActions(item(false, ['close', 'edit']))).toEqual(['edit', 'close'])
    expect(itemActions(item(false, ['publish', 'edit']))).toEqual(['edit', 'publish'])
  })
})

describe('claimActions', () => {
  it('offers the steps the API allows, in the order of the flow', () => {
    expect(claimActions({ allowed_actions: ['withdraw', 'start'] })).toEqual(['start', 'withdraw'])
    expect(claimActions({ allowed_actions: ['reject', 'verify'] })).toEqual(['verify', 'reject'])
    expect(claimActions({ allowed_actions: [] })).toEqual([])
  })
})

describe('wishActions', () => {
  it('offers the steps the API allows, in the order of the flow, and not the resident\'s rating', () => {
    const wish = (allowed_actions: Schemas['WishAction'][]) => ({ allowed_actions })
    expect(wishActions(wish(['cancel', 'reject', 'verify']))).toEqual(['verify', 'reject', 'cancel'])
    expect(wishActions(wish(['claim', 'cancel']))).toEqual(['claim', 'cancel'])
    expect(wishActions(wish(['rate']))).toEqual([])
    expect(wishActions(wish([]))).toEqual([])
  })
})

describe('ifMatch', () => {
  it('is the ETag the API sends for that version', () => {
    expect(ifMatch({ version: 3 })).toEqual({ 'If-Match': '"v3"' })
  })
})

describe('filenameOf', () => {
  it('prefers the UTF-8 name', () => {
    expect(filenameOf(`attachment; filename="members.xlsx"; filename*=UTF-8''%E5%85%9A%E5%91%98%E5%90%8D%E5%86%8C.xlsx`, 'x')).toBe('党员名册.xlsx')
  })
  it('falls back to the plain name, then the default', () => {
    expect(filenameOf('attachment; filename="members.csv"', 'x')).toBe('members.csv')
    expect(filenameOf(null, '党员名册.csv')).toBe('党员名册.csv')
  })
})
