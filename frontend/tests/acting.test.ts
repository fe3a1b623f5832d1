import { describe, expect, it } from 'vitest'
import { actsFor, hasAdminRole, isOrgAdmin, managesCommunity, mayStart } from '@/api/acting'

const admin = { role: 'admin' as const, organization_id: null }
const community = { role: 'community_admin' as const, organization_id: 1 }
const unit = { role: 'unit_admin' as const, organization_id: 2 }
const loose = { role: 'unit_admin' as const, organization_id: null }
const member = { role: 'member' as const, organization_id: 1 }

describe('the caller’s standing (shared by every domain’s rules)', () => {
  it('knows an organisation’s admin only with its organisation', () => {
    expect([admin, community, unit, loose, member, null].map(isOrgAdmin)).toEqual([false, true, true, false, false, false])
  })
  it('acts for an organisation as its admin or as the platform admin', () => {
    expect(actsFor(admin, 5)).toBe(true)
    expect(actsFor(unit, 2)).toBe(true)
    expect(actsFor(unit, 1)).toBe(false)
    expect(actsFor(member, 1)).toBe(false)
    expect(actsFor(community, null)).toBe(false)
  })
  it('has an admin role as the platform admin or any organisation’s admin', () => {
    expect([admin, community, unit, loose, member, null].map(hasAdminRole)).toEqual([true, true, true, false, false, false])
  })
  it('manages a community as its own admin or the platform admin, never as a unit', () => {
    expect(managesCommunity(admin, 1)).toBe(true)
    expect(managesCommunity(community, 1)).toBe(true)
    expect(managesCommunity(community, 9)).toBe(false)
    expect(managesCommunity({ role: 'unit_admin', organization_id: 1 }, 1)).toBe(false)
    expect(managesCommunity(member, 1)).toBe(false)
    expect(managesCommunity(community, null)).toBe(false)
    expect(managesCommunity(null, 1)).toBe(false)
  })
})

describe('what the caller may start', () => {
  it('is the API’s answer (`/me`), whatever the role', () => {
    expect(mayStart({ allowed_actions: ['enter_volunteer_records', 'publish_activity'] }, 'publish_activity')).toBe(true)
    expect(mayStart({ allowed_actions: ['enter_volunteer_records'] }, 'convene_meeting')).toBe(false)
    expect(mayStart({ allowed_actions: [] }, 'enter_volunteer_records')).toBe(false)
    expect(mayStart(null, 'enter_volunteer_records')).toBe(false)
  })
})
