/**
 * Dates and times as people here read them: Asia/Shanghai (UTC+8, no daylight saving), computed by
 * hand because the mini-program's JavaScript has no reliable `Intl` time zones.
 */
const SHANGHAI_MS = 8 * 3600 * 1000

function parts(iso: string): { y: number; m: number; d: number; hh: number; mm: number; wd: number } | null {
  const t = Date.parse(iso)
  if (Number.isNaN(t)) return null
  const local = new Date(t + SHANGHAI_MS)
  return { y: local.getUTCFullYear(), m: local.getUTCMonth() + 1, d: local.getUTCDate(), hh: local.getUTCHours(), mm: local.getUTCMinutes(), wd: local.getUTCDay() }
}

const pad = (n: number) => String(n).padStart(2, '0')
const WEEKDAYS = ['日', '一', '二', '三', '四', '五', '六']

/** 2026-05-01 */
export function formatDate(iso: string | null | undefined): string {
  if (!iso) return ''
  if (/^\d{4}-\d{2}-\d{2}$/.test(iso)) return iso
  const p = parts(iso)
  return p ? `${p.y}-${pad(p.m)}-${pad(p.d)}` : ''
}

/** 2026-05-01 09:30 */
export function formatDateTime(iso: string | null | undefined): string {
  if (!iso) return ''
  const p = parts(iso)
  return p ? `${p.y}-${pad(p.m)}-${pad(p.d)} ${pad(p.hh)}:${pad(p.mm)}` : ''
}

/** 5月1日 周五 09:30–11:30 (the end's date too when it is another day). */
export function formatSpan(startIso: string, endIso: string): string {
  const s = parts(startIso)
  const e = parts(endIso)
  if (!s || !e) return ''
  const start = `${s.m}月${s.d}日 周${WEEKDAYS[s.wd]} ${pad(s.hh)}:${pad(s.mm)}`
  const sameDay = s.y === e.y && s.m === e.m && s.d === e.d
  return `${start}–${sameDay ? '' : `${e.m}月${e.d}日 `}${pad(e.hh)}:${pad(e.mm)}`
}

/** Hours as the API counts them (halves): 2.5 → "2.5", 3 → "3". */
export function formatHours(hours: number | null | undefined): string {
  if (hours == null) return '0'
  return Number.isInteger(hours) ? String(hours) : hours.toFixed(1)
}

/** Star level as stars, out of five: 3 → "★★★☆☆". */
export function starText(stars: number, of = 5): string {
  const n = Math.max(0, Math.min(of, Math.round(stars)))
  return '★'.repeat(n) + '☆'.repeat(of - n)
}

/** The star level in words: "3 星志愿者", or "尚未评星" below the first star. */
export function starLabel(stars: number): string {
  return stars > 0 ? `${stars} 星志愿者` : '尚未评星'
}

/** Today in Shanghai as YYYY-MM-DD. */
export function todayIso(now = Date.now()): string {
  const p = parts(new Date(now).toISOString())!
  return `${p.y}-${pad(p.m)}-${pad(p.d)}`
}
