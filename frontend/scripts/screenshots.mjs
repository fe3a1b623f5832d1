// Full-page screenshots of every SPA screen, as the platform admin, a community admin (老虎头) and
// a street admin (the area dashboard), at 1440×900 and 390×844, against the demo data — for people
// to look at; the demo has no evaluation period, so one is opened first (as e2e/desk does) for the
// period's page and its scoring grid. Each page is captured whole: the layout scrolls inside its main
// area, so the shot lets that area grow to its content first (`wholePage`). Also lists, per screen,
// what a look should catch anyway: a page scrolling sideways, raw codes (snake_case),
// `undefined`/`null`/`NaN`, and text cut off inside table cells.
//
//   cd frontend && npm run build && PYTHONPATH=$PWD/../backend node scripts/screenshots.mjs [outdir]
//
// Needs the repository's .venv (see e2e/harness.mjs). Default outdir /tmp/shots-spa3.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { chromium } from 'playwright-core'
import { ADMIN_PASSWORD, DEMO_LOGINS, DEMO_PASSWORD, apiCall, apiToken, buildSpa, ensureChromium, launchBrowser, signIn, signOut, startBackend } from '../e2e/harness.mjs'

const OUT = process.argv[2] ?? '/tmp/shots-spa3'
const VIEWPORTS = [
  { width: 1440, height: 900 },
  { width: 390, height: 844 },
]
const WHO = {
  admin: { username: 'admin', password: ADMIN_PASSWORD },
  lht: { username: DEMO_LOGINS.community_admin, password: DEMO_PASSWORD },
  street: { username: 'street-admin', password: DEMO_PASSWORD },
}
/** Every route; `:x` are filled from the demo data. A route beyond the role redirects home and is skipped. */
const ROUTES = [
  '/', '/dashboard', '/organizations', '/members', '/members/:member', '/reports', '/reports/poster/:community', '/partnerships', '/users',
  '/claim-board', '/claims', '/wishes', '/activities', '/activities/:activity', '/activities/:activity/poster', '/activities/:activity/projector',
  '/concerns', '/volunteer-records', '/volunteer-records/:record', '/volunteer-correction-requests', '/volunteer-certificate-requests', '/volunteer-hours',
  '/evaluation-periods', '/evaluation-periods/:period', '/evaluation-periods/:period/grid', '/meetings', '/meetings/:meeting', '/tasks', '/honors',
  '/api-keys', '/audit', '/settings/calendar', '/account',
]
// A street's admin reads much of the platform too (its menu has 20 entries): every route, those beyond it skipped.
const ROLE_ROUTES = { admin: ROUTES, lht: ROUTES, street: ROUTES }
/** SHOTS_ONLY=regex: only the routes it matches (a second look after a fix). */
const ONLY = process.env.SHOTS_ONLY ? new RegExp(process.env.SHOTS_ONLY) : null
/** SHOTS_ROLES=street,lht: only these roles. */
const ROLES = process.env.SHOTS_ROLES ? process.env.SHOTS_ROLES.split(',') : null

/** The demo has no evaluation period: open one over the demo's members (as e2e/desk does). */
async function openPeriod(backend) {
  const token = await apiToken(backend, WHO.admin)
  // The demo's records, wishes and 报到 are of 2017: a period over that year shows each member's evidence.
  const year = 2017
  const period = await apiCall(backend, 'POST', '/evaluation-periods', token, { name: `${year}年度党员双向考评`, start_date: `${year}-01-01`, end_date: `${year}-12-31` })
  await apiCall(backend, 'POST', `/evaluation-periods/${period.id}/open`, token)
}

async function ids(backend) {
  const token = await apiToken(backend, WHO.admin)
  const first = async (path) => (await apiCall(backend, 'GET', path, token)).items[0]?.id
  const community = (await apiCall(backend, 'GET', `/organizations?q=${encodeURIComponent('老虎头')}&kind=community`, token)).items[0].id
  return {
    community,
    member: await first(`/members?q=${encodeURIComponent('陈立新')}`),
    activity: await first('/activities?page_size=1'),
    record: await first('/volunteer-records?page_size=1'),
    period: await first('/evaluation-periods?page_size=1'),
    meeting: await first('/meetings?page_size=1'),
  }
}

async function settled(page, extra = 500) {
  await page.waitForLoadState('networkidle')
  await page.waitForFunction(() => !document.querySelector('.el-loading-mask:not([style*="display: none"])')).catch(() => {})
  await page.waitForTimeout(extra) // transitions, chart animations
}

/**
 * The layout is one screen high and scrolls inside its main area, so a full-page shot would show
 * only the first screen: let the layout grow to its content for the shot (the page reloads on the
 * next route, so nothing of this stays).
 */
async function wholePage(page) {
  await page.addStyleTag({ content: '.layout { height: auto !important; min-height: 100vh; } .layout .el-main { overflow: visible !important; }' })
  await page.waitForTimeout(100)
}

/** What a look should catch anyway, read from the page. */
function findings(page) {
  return page.evaluate(() => {
    const out = []
    const doc = document.documentElement
    if (doc.scrollWidth > doc.clientWidth) out.push(`scrolls sideways (${doc.scrollWidth} > ${doc.clientWidth})`)
    const text = document.body.innerText
    const codes = [...new Set(text.match(/\b[a-z]+(?:_[a-z]+)+\b/g) ?? [])]
    if (codes.length) out.push(`raw codes: ${codes.slice(0, 8).join(', ')}`)
    const bad = [...new Set(text.match(/\b(undefined|null|NaN|Invalid Date|\[object Object\])\b/g) ?? [])]
    if (bad.length) out.push(`says ${bad.join(', ')}`)
    const english = [...new Set(text.match(/\b[A-Za-z]{4,}(?: [A-Za-z]{3,})+\b/g) ?? [])].filter((t) => !/^(Excel|CSV|API|PDF|WPS)/.test(t))
    if (english.length) out.push(`English: ${english.slice(0, 5).join(' | ')}`)
    let clipped = 0
    document.querySelectorAll('.el-main .el-table__body .cell:not(.el-tooltip)').forEach((c) => {
      if (c.scrollWidth > c.clientWidth + 1 && getComputedStyle(c).whiteSpace === 'nowrap') clipped += 1
    })
    if (clipped) out.push(`${clipped} table cells cut off without a tooltip`)
    return out
  })
}

ensureChromium()
buildSpa()
mkdirSync(OUT, { recursive: true })
const backend = await startBackend({ demo: true })
const report = []
const profiles = []
try {
  await openPeriod(backend)
  const known = await ids(backend)
  for (const viewport of VIEWPORTS) {
    const profile = mkdtempSync(join(tmpdir(), 'gongjian-shots-'))
    profiles.push(profile)
    const context = await launchBrowser(chromium, profile, viewport)
    const page = context.pages()[0] ?? (await context.newPage())
    page.on('pageerror', (err) => report.push(`page error: ${err.message}`))
    for (const [role, routes] of Object.entries(ROLE_ROUTES)) {
      if (ROLES && !ROLES.includes(role)) continue
      await signIn(page, backend.baseUrl, WHO[role].username, WHO[role].password)
      for (const route of routes) {
        if (ONLY && !ONLY.test(route)) continue
        const path = route.replace(/:(\w+)/g, (_, k) => String(known[k]))
        if (path.includes('undefined')) continue
        await page.goto(`${backend.baseUrl}${path}`)
        await settled(page, path === '/dashboard' ? 1500 : 500)
        if (new URL(page.url()).pathname !== path) continue // beyond the role
        const name = `${role}${path.replace(/\//g, '-')}`.replace(/-+$/, '') + `-${viewport.width}`
        await wholePage(page)
        // The layout itself when there is one (the document may be taller than what it shows).
        const layout = page.locator('.layout')
        if (await layout.count()) await layout.screenshot({ path: join(OUT, `${name}.png`) })
        else await page.screenshot({ path: join(OUT, `${name}.png`), fullPage: true })
        for (const f of await findings(page)) report.push(`${name}: ${f}`)
        if (path === '/members') {
          try {
            await page.click('[data-test=filters-toggle]').catch(() => {})
            await page.click('[data-test=column-settings]')
            await page.locator('[data-test=column-choices]:visible').waitFor()
            await page.waitForTimeout(300)
            await page.screenshot({ path: join(OUT, `${name}-column-settings.png`), fullPage: true })
          } catch (err) {
            report.push(`${name}: column settings not shown (${err.message.split('\n')[0]})`)
          }
        }
      }
      await signOut(page)
    }
    await context.close()
  }
} finally {
  await backend.stop()
  for (const p of profiles) rmSync(p, { recursive: true, force: true })
}
writeFileSync(join(OUT, 'findings.txt'), report.join('\n') + '\n')
console.log(report.length ? report.join('\n') : 'no findings')
console.log(`screenshots in ${OUT}`)
