import { describe, expect, it } from 'vitest'
import {
  activityActions,
  attendanceState,
  canShowCheckInCode,
  canSignUp,
} from '@/views/activities/rules'
import { canScoreCommunity, canScoreUnit, canSeeRanking, finalScore, pointsTotal } from '@/views/evaluation/rules'

const admin = { role: 'admin' as const, organization_id: null }
const community = { role: 'community_admin' as const, organization_id: 1 }
const unit = { role: 'unit_admin' as const, organization_id: 2 }
const otherUnit = { role: 'unit_admin' as const, organization_id: 3 }
const member = { role: 'member' as const, organization_id: null }
const org = (id: number) => ({ id, name: `#${id}`, kind: id === 1 ? ('community' as const) : ('unit' as const) })

describe('activity rules', () => {
  const planned = { status: 'planned' as const, community_org: org(1), organizer_org: org(2) }
  it('lets the platform admin and the organiser’s or community’s admins manage', () => {
    expect(activityActions(planned, admin)).toEqual(['edit', 'open', 'finish', 'cancel'])
    expect(activityActions(planned, community)).toEqual(['edit', 'open', 'finish', 'cancel'])
    expect(activityActions(planned, unit)).toEqual(['edit', 'open', 'finish', 'cancel'])
    expect(activityActions(planned, otherUnit)).toEqual([])
    expect(activityActions(planned, member)).toEqual([])
  })
  it('follows the status: open can finish or cancel; finished only edits; cancelled nothing', () => {
    expect(activityActions({ ...planned, status: 'open' }, community)).toEqual(['edit', 'finish', 'cancel'])
    expect(activityActions({ ...planned, status: 'finished' }, community)).toEqual(['edit'])
    expect(activityActions({ ...planned, status: 'cancelled' }, community)).toEqual([])
    expect(canShowCheckInCode({ ...planned, status: 'cancelled' }, community)).toBe(false)
    expect(canShowCheckInCode({ ...planned, status: 'finished' }, community)).toBe(true)
  })
  it('takes sign-ups only while open', () => {
    expect(canSignUp(planned, member)).toBe(false)
    expect(canSignUp({ ...planned, status: 'open' }, member)).toBe(true)
    expect(canSignUp({ ...planned, status: 'open' }, otherUnit)).toBe(true)
  })
  it('reads attendance state', () => {
    expect(attendanceState({ checked_in_at: null, checked_out_at: null })).toBe('absent')
    expect(attendanceState({ checked_in_at: '2026-01-01T01:00:00Z', checked_out_at: null })).toBe('checked_in')
    expect(attendanceState({ checked_in_at: '2026-01-01T01:00:00Z', checked_out_at: '2026-01-01T03:00:00Z' })).toBe('checked_out')
  })
})

describe('evaluation rules', () => {
  const ev = { community_org: org(1), unit_org: org(2) }
  const open = { status: 'open' as const }
  it('lets only the member’s community admin and unit admin score, while open', () => {
    expect(canScoreCommunity(ev, open, community)).toBe(true)
    expect(canScoreCommunity(ev, open, admin)).toBe(false)
    expect(canScoreCommunity(ev, { status: 'finalized' }, community)).toBe(false)
    expect(canScoreUnit(ev, open, unit)).toBe(true)
    expect(canScoreUnit(ev, open, otherUnit)).toBe(false)
    expect(canScoreUnit(ev, open, community)).toBe(false)
    expect(canSeeRanking(member)).toBe(false)
    expect(canSeeRanking(unit)).toBe(true)
  })
  it('adds points and weighs the final score as the API does (tenths, half up)', () => {
    expect(pointsTotal({ a: 28, b: 27.5, c: 18, d: 19 })).toBe(92.5)
    expect(pointsTotal({ a: 0.1, b: 0.2 })).toBe(0.3)
    expect(finalScore(0.3, 92.5, 88)).toBe(89.4) // 89.35 → 89.4
    expect(finalScore(0.3, 84.5, 84)).toBe(84.2) // 84.15 → 84.2
    expect(finalScore(0, 50, 77.7)).toBe(77.7)
    expect(finalScore(1, 66.6, 0)).toBe(66.6)
  })
})
