import { describe, expect, it } from 'vitest'
import type { Schemas } from '@gongjian/client'
import { claimActions, itemActions } from '@/views/claims/rules'
import { wishActions } from '@/views/wishes/rules'
import { ifMatch } from '@/composables/versioned'
import { filenameOf } from '@/composables/download'
import { actsFor } from '@/api/acting'

const admin = { role: 'admin' as const, organization_id: null }
const community = { role: 'community_admin' as const, organization_id: 1 }
const unit = { role: 'unit_admin' as const, organization_id: 2 }
const otherUnit = { role: 'unit_admin' as const, organization_id: 3 }
const member = { role: 'member' as const, organization_id: null }
const org = (id: number) => ({ id, name: `#${id}`, kind: id === 1 ? ('community' as const) : ('unit' as const) })

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
  const need = { status: 'published' as const, provider_org: org(1), caller_may_claim: true }
  it('offers 认领 exactly when the API says the caller may claim', () => {
    expect(itemActions(need, unit)).toEqual(['claim'])
    expect(itemActions({ ...need, caller_may_claim: false }, unit)).toEqual([])
    expect(itemActions(need, null)).toEqual([])
  })
  it('lets the provider (or the platform admin) manage its item by its status', () => {
    expect(itemActions({ ...need, caller_may_claim: false }, community)).toEqual(['edit', 'close'])
    expect(itemActions({ ...need, status: 'draft', caller_may_claim: false }, community)).toEqual(['edit', 'publish'])
    expect(itemActions({ ...need, status: 'closed', caller_may_claim: false }, admin)).toEqual(['edit', 'publish'])
    expect(itemActions({ ...need, caller_may_claim: false }, otherUnit)).toEqual([])
  })
})

describe('claimActions', () => {
  const claim = (status: string) =>
    ({ status, organization: org(2), item: { id: 9, title: 't', category: 'volunteer', direction: 'need', provider_org: org(1) } }) as Parameters<typeof claimActions>[0]
  it('gives the claimant start, complete and withdraw in turn', () => {
    expect(claimActions(claim('claimed'), unit)).toEqual(['start', 'withdraw'])
    expect(claimActions(claim('in_progress'), unit)).toEqual(['complete', 'withdraw'])
    expect(claimActions(claim('completed'), unit)).toEqual([])
  })
  it('gives the provider verify and reject', () => {
    expect(claimActions(claim('claimed'), community)).toEqual(['reject'])
    expect(claimActions(claim('completed'), community)).toEqual(['verify', 'reject'])
    expect(claimActions(claim('verified'), community)).toEqual([])
  })
  it('gives others nothing', () => {
    expect(claimActions(claim('completed'), otherUnit)).toEqual([])
    expect(claimActions(claim('claimed'), member)).toEqual([])
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
