/**
 * Which volunteer-record actions the caller may take: a copy of the backend's rules
 * (`gongjian/volunteering/`), kept because the API does not yet say per record what the caller may
 * do. The API decides; these only hide what it would refuse.
 *
 * - entering a record: the platform admin (for any organiser) or an organisation's admin (in its own name);
 * - reviewing, correcting, asking for a correction: the API says so per record (`allowed_actions`);
 * - declining a member's request: the platform admin or the organiser's admin.
 */
import type { Schemas } from '@gongjian/client'
import { actsFor, hasAdminRole, type Caller } from '@/api/acting'
import { pickerToIso } from '@/composables/format'

export type RecordAction = Schemas['RecordAction']

export function canEnterRecords(me: Caller | null | undefined): boolean {
  return hasAdminRole(me)
}

export function canAnswerRequest(
  request: Pick<Schemas['CorrectionRequestRead'], 'status'>,
  record: Pick<Schemas['RecordRead'], 'organizer_org'>,
  me: Caller | null | undefined,
): boolean {
  return request.status === 'open' && actsFor(me, record.organizer_org.id)
}

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
