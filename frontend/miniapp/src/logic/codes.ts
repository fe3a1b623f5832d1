/**
 * Codes people scan: a community's 报到 code and an activity's check-in code. Both fit a mini-program
 * QR code's `scene`; a scan gives either the page path with `scene=` (a mini-program code opened by
 * `uni.scanCode`), a URL or path carrying `scene=` or `code=`, or the bare code (typed on h5).
 */

/** The code inside whatever a scan or a person gave; '' when there is none. */
export function codeFrom(scanned: { path?: string; result?: string } | string | null | undefined): string {
  if (!scanned) return ''
  const texts = typeof scanned === 'string' ? [scanned] : [scanned.path ?? '', scanned.result ?? '']
  for (const raw of texts) {
    const text = raw.trim()
    if (!text) continue
    const match = /[?&](?:scene|code)=([^&#]+)/.exec(text)
    if (match) return safeDecode(match[1]).trim()
    if (!/[/?=\s]/.test(text)) return text
  }
  return ''
}

function safeDecode(value: string): string {
  try {
    return decodeURIComponent(value)
  } catch {
    return value
  }
}

/**
 * The community a 报到 code names (its first part, in base 36), to show the right partner units
 * before the form is sent; null for a code of another shape. The API checks the signature.
 */
export function communityOfReportCode(code: string): number | null {
  const match = /^([0-9a-z]{1,6})\.([0-9a-z]{1,6})\.[A-Za-z0-9_-]{16}$/.exec(code.trim())
  if (!match) return null
  const id = parseInt(match[1], 36)
  return Number.isSafeInteger(id) && id > 0 ? id : null
}

/** The activity a check-in code names (first part, base 36); null for another shape. */
export function activityOfCheckInCode(code: string): number | null {
  const match = /^([0-9A-Z]{1,6})\.([0-9A-Z]{1,7})\.([A-Z2-7]{16})$/.exec(code.trim().toUpperCase())
  if (!match) return null
  const id = parseInt(match[1], 36)
  return Number.isSafeInteger(id) && id > 0 ? id : null
}
