/**
 * Dates and times as people in the platform's city read and enter them: Asia/Shanghai, 24-hour
 * clock, whatever the browser's own zone. Every conversion between the API's instants and the
 * screen's calendar days or wall-clock times lives here.
 */
const dateTime = new Intl.DateTimeFormat('zh-CN', {
  timeZone: 'Asia/Shanghai',
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
  hourCycle: 'h23',
})

/** `2024-03-01T02:05:00Z` → `2024-03-01 10:05`; empty for no value. */
export function formatDateTime(iso: string | null | undefined): string {
  if (!iso) return ''
  const when = new Date(iso)
  if (Number.isNaN(when.getTime())) return iso
  const part = Object.fromEntries(dateTime.formatToParts(when).map((p) => [p.type, p.value]))
  return `${part.year}-${part.month}-${part.day} ${part.hour}:${part.minute}`
}

/** The calendar day in Shanghai of an instant, as `YYYY-MM-DD`. */
export function shanghaiDate(when: Date = new Date()): string {
  return formatDateTime(when.toISOString()).slice(0, 10)
}

/** The calendar year in Shanghai of an instant (this year by default). */
export function shanghaiYear(when: Date = new Date()): number {
  return Number(shanghaiDate(when).slice(0, 4))
}

/** The instant a Shanghai calendar day starts, as ISO 8601 with offset, for `since`/`until` filters. */
export function shanghaiDayStart(day: string): string {
  return `${day}T00:00:00+08:00`
}

/** The instant a Shanghai calendar day ends (the next day's start), so an `until` takes in the whole day. */
export function shanghaiDayEnd(day: string): string {
  const next = new Date(`${day}T00:00:00Z`)
  next.setUTCDate(next.getUTCDate() + 1)
  return shanghaiDayStart(next.toISOString().slice(0, 10))
}

/** The format of the date-time pickers: Shanghai wall-clock time to the minute. */
export const PICKER_FORMAT = 'YYYY-MM-DD HH:mm'

/** A picker value (`YYYY-MM-DD HH:mm`, Shanghai) → ISO 8601 with the +08:00 offset; undefined if empty or malformed. */
export function pickerToIso(value: string | null | undefined): string | undefined {
  if (!value) return undefined
  const match = /^(\d{4}-\d{2}-\d{2}) (\d{2}:\d{2})$/.exec(value)
  return match ? `${match[1]}T${match[2]}:00+08:00` : undefined
}

/** An instant from the API → the picker's Shanghai wall-clock value; empty for no value. */
export function isoToPicker(iso: string | null | undefined): string {
  return formatDateTime(iso)
}
