/**
 * The record forms take times as Shanghai wall-clock `YYYY-MM-DD HH:mm` (what the date picker shows),
 * whatever the browser's zone; the API gets ISO 8601 with the +08:00 offset.
 */
import { formatDateTime } from '@/composables/format'

export const PICKER_FORMAT = 'YYYY-MM-DD HH:mm'

export function pickerToIso(value: string | null | undefined): string | undefined {
  if (!value) return undefined
  const match = /^(\d{4}-\d{2}-\d{2}) (\d{2}:\d{2})$/.exec(value)
  return match ? `${match[1]}T${match[2]}:00+08:00` : undefined
}

export function isoToPicker(iso: string | null | undefined): string {
  return formatDateTime(iso)
}

/** Whole hours and half hours between two picker values (the most a record may claim). */
export function spanHours(start: string | null | undefined, end: string | null | undefined): number | null {
  const a = pickerToIso(start)
  const b = pickerToIso(end)
  if (!a || !b) return null
  const minutes = (Date.parse(b) - Date.parse(a)) / 60_000
  return minutes > 0 ? Math.floor(minutes / 30) / 2 : null
}
