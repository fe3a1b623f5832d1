/** Dates and times as people in the platform's city read them: Asia/Shanghai, 24-hour clock. */
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

/** The instant a Shanghai calendar day starts, as ISO 8601 with offset, for `since`/`until` filters. */
export function shanghaiDayStart(day: string): string {
  return `${day}T00:00:00+08:00`
}
