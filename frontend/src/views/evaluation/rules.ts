/**
 * The two-way evaluation's arithmetic, shown before saving. Who may score a row is the API's to
 * say (`EvaluationRead.allowed_actions`: score_community, score_unit), and who sees the ranking
 * tab too (`PeriodRead.allowed_actions`: ranking).
 */

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
