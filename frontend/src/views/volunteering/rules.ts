/**
 * Volunteer-record arithmetic shown beside the form. What the caller may do is the API's answer:
 * entering records at all (`/me`'s `allowed_actions`: enter_volunteer_records), reviewing,
 * correcting and asking for a correction per record (`RecordRead.allowed_actions`), answering a
 * member's request per request (`CorrectionRequestRead.allowed_actions`).
 */
import type { Schemas } from '@gongjian/client'
import { pickerToIso } from '@/composables/format'

export type RecordAction = Schemas['RecordAction']

/**
 * Whole hours and half hours between two picker values: the most a record may claim, shown beside
 * the hours field (the API rounds the same way and refuses more).
 */
export function spanHours(start: string | null | undefined, end: string | null | undefined): number | null {
  const a = pickerToIso(start)
  const b = pickerToIso(end)
  if (!a || !b) return null
  const minutes = (Date.parse(b) - Date.parse(a)) / 60_000
  return minutes > 0 ? Math.floor(minutes / 30) / 2 : null
}

/** Star level (星级志愿者) as stars, empty below one star. */
export function starsText(stars: number | null | undefined): string {
  return stars ? '★'.repeat(stars) : ''
}
