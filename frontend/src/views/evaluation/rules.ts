/**
 * Who may do what in the two-way evaluation: a copy of the backend's rules
 * (`gongjian/evaluation/`), kept because the API does not yet say per record what the caller may
 * do. The API decides; these only hide what it would refuse.
 */
import type { Schemas } from '@gongjian/client'
import type { Caller } from '@/api/acting'

type Period = Pick<Schemas['PeriodRead'], 'status'>
type Evaluation = Pick<Schemas['EvaluationRead'], 'community_org' | 'unit_org'>
/** Only the admin of the member's reporting community enters the community score (not the platform admin). */
export function canScoreCommunity(ev: Evaluation, period: Period, me: Caller | null | undefined): boolean {
  return period.status === 'open' && me?.role === 'community_admin' && me.organization_id === ev.community_org.id
}

/** Only the admin of the member's unit enters the unit score. */
export function canScoreUnit(ev: Evaluation, period: Period, me: Caller | null | undefined): boolean {
  return period.status === 'open' && me?.role === 'unit_admin' && me.organization_id === ev.unit_org.id
}

/** Ranking and export are for administrators; a member sees its own result once finalized. */
export function canSeeRanking(me: Caller | null | undefined): boolean {
  return !!me && me.role !== 'member'
}

/** Sum of per-criterion points in tenths (the API's arithmetic), back as a one-decimal number. */
export function pointsTotal(points: Record<string, number | null | undefined>): number {
  const tenths = Object.values(points).reduce<number>((sum, p) => sum + Math.round((p ?? 0) * 10), 0)
  return tenths / 10
}

/** Final score = w·community + (1−w)·unit, ROUND_HALF_UP to one decimal (as the API, in tenths). */
export function finalScore(weight: number, community: number, unit: number): number {
  const milli = Math.round(weight * 1000)
  // Integer arithmetic: tenths × thousandths, then half-up to tenths.
  const scaled = milli * Math.round(community * 10) + (1000 - milli) * Math.round(unit * 10)
  return Math.floor((scaled + 500) / 1000) / 10
}
