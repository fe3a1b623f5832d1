import { describe, expect, it } from 'vitest'
import type { Schemas } from '@gongjian/client'
import {
  activityActions,
  attendanceState,
  blockedReasons,
  canShowCheckInCode,
  canSignUp,
} from '@/views/activities/rules'
import { finalScore, pointsTotal } from '@/views/evaluation/rules'


describe('activity rules', () => {
  type Actions = Schemas['ActivityRead']['allowed_actions']
  const said = (allowed: Actions, blocked: Schemas['BlockedAction'][] = []) => ({ allowed_actions: allowed, blocked_actions: blocked })
  it('shows the lifecycle buttons the API allows, in their order, and nothing else', () => {
    expect(activityActions(said(['edit', 'check_in_code', 'open', 'finish', 'cancel', 'sign_up']))).toEqual(['edit', 'open', 'finish', 'cancel'])
    expect(activityActions(said(['cancel', 'edit']))).toEqual(['edit', 'cancel'])
    expect(activityActions(said(['sign_up', 'check_in']))).toEqual([])
  })
  it('shows the check-in code and sign-up only when the API says so', () => {
    expect(canShowCheckInCode(said(['edit', 'check_in_code']))).toBe(true)
    expect(canShowCheckInCode(said(['edit']))).toBe(false)
    expect(canSignUp(said(['sign_up']))).toBe(true)
    expect(canSignUp(said([]))).toBe(false)
  })
  it('explains what the caller can’t do', () => {
    expect(blockedReasons(said([], [{ action: 'sign_up', reason: '本活动仅限本社区党员参加' }]))).toEqual(['本活动仅限本社区党员参加'])
  })
  it('reads attendance state', () => {
    expect(attendanceState({ checked_in_at: null, checked_out_at: null })).toBe('absent')
    expect(attendanceState({ checked_in_at: '2026-01-01T01:00:00Z', checked_out_at: null })).toBe('checked_in')
    expect(attendanceState({ checked_in_at: '2026-01-01T01:00:00Z', checked_out_at: '2026-01-01T03:00:00Z' })).toBe('checked_out')
  })
})

describe('evaluation rules', () => {
  it('adds points and weighs the final score as the API does (tenths, half up)', () => {
    expect(pointsTotal({ a: 28, b: 27.5, c: 18, d: 19 })).toBe(92.5)
    expect(pointsTotal({ a: 0.1, b: 0.2 })).toBe(0.3)
    expect(finalScore(0.3, 92.5, 88)).toBe(89.4) // 89.35 → 89.4
    expect(finalScore(0.3, 84.5, 84)).toBe(84.2) // 84.15 → 84.2
    expect(finalScore(0, 50, 77.7)).toBe(77.7)
    expect(finalScore(1, 66.6, 0)).toBe(66.6)
  })
})
