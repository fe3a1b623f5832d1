// End-to-end, paper and projector, against the demo community 老虎头: a proof of service requested
// by a member and issued in the SPA prints a QR code (decoded here from the PDF, rendered by
// poppler) that opens the public /verify/<number> page, which shows the proof to anyone without
// signing in; an activity's check-in code as an A4 poster and full screen for a projector.
// At 1440×900 and 390×844.
import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, test } from 'node:test'
import { chromium } from 'playwright-core'
import { DEMO_LOGINS, DEMO_PASSWORD, apiCall, apiToken, assertNoSideScroll, buildSpa, ensureChromium, launchBrowser, signIn, startBackend } from './harness.mjs'

const jsQR = createRequire(import.meta.url)('jsqr')
const LHT = { username: DEMO_LOGINS.community_admin, password: DEMO_PASSWORD }
const MEMBER = { username: DEMO_LOGINS.member, password: DEMO_PASSWORD }
const VIEWPORTS = [
  { name: 'desktop', width: 1440, height: 900 },
  { name: 'phone', width: 390, height: 844 },
]
const PUBLIC_FIELDS = ['number', 'member_name', 'volunteer_number', 'period_start', 'period_end', 'hours', 'content_summary', 'issuing_org_name', 'issued_on']

let backend
let lht
let work
let activity
const profiles = []

before(async () => {
  ensureChromium()
  buildSpa()
  backend = await startBackend({ demo: true })
  work = mkdtempSync(join(tmpdir(), 'gongjian-paper-'))
  lht = await apiToken(backend, LHT)
  const community = (await apiCall(backend, 'GET', '/me', lht)).organization_id
  // Two days ahead at 09:00 Beijing time (01:00 UTC): a start taken from the clock crossed midnight
  // when the suite ran in the evening, and the poster then gives both dates.
  const start = new Date(Date.now() + 2 * 24 * 3600e3)
  start.setUTCHours(1, 0, 0, 0)
  activity = await apiCall(backend, 'POST', '/activities', lht, {
    title: '老虎头社区义诊志愿服务',
    kind: 'volunteer_service',
    community_org_id: community,
    starts_at: start.toISOString(),
    ends_at: new Date(start.getTime() + 3 * 3600e3).toISOString(),
    location: '老虎头社区服务中心二楼',
  })
  await apiCall(backend, 'POST', `/activities/${activity.id}/open`, lht)
})

after(async () => {
  await backend?.stop()
  for (const p of [...profiles, work]) if (p) rmSync(p, { recursive: true, force: true })
})

async function browser(viewport) {
  const profile = mkdtempSync(join(tmpdir(), 'gongjian-chromium-'))
  profiles.push(profile)
  const context = await launchBrowser(chromium, profile, { width: viewport.width, height: viewport.height })
  const page = context.pages()[0] ?? (await context.newPage())
  page.on('pageerror', (err) => console.error('page error:', err.message))
  return { context, page }
}

/** The text of the QR code on the PDF's first page, rendered to a grey image by poppler. */
function qrOfPdf(pdf) {
  const file = join(work, 'proof.pdf')
  writeFileSync(file, pdf)
  execFileSync('pdftoppm', ['-r', '150', '-gray', '-f', '1', '-l', '1', '-singlefile', file, join(work, 'proof')])
  const pgm = readFileSync(join(work, 'proof.pgm'))
  // Binary PGM: "P5", width, height, max value, one whitespace, then width × height bytes.
  const header = /^P5\s+(\d+)\s+(\d+)\s+(\d+)\s/.exec(pgm.subarray(0, 50).toString('latin1'))
  assert.ok(header, 'pdftoppm wrote a binary PGM')
  const [whole, width, height] = [header[0], Number(header[1]), Number(header[2])]
  const grey = pgm.subarray(whole.length)
  const rgba = new Uint8ClampedArray(width * height * 4)
  for (let i = 0; i < width * height; i++) rgba.set([grey[i], grey[i], grey[i], 255], i * 4)
  return jsQR(rgba, width, height)?.data ?? null
}

/** The text of the QR image `selector` shows: its pixels read in the page, decoded here. */
async function qrOfImage(page, selector) {
  const { width, height, pixels } = await page.locator(selector).evaluate(async (img) => {
    await img.decode()
    const size = Math.min(img.naturalWidth, 512)
    const canvas = document.createElement('canvas')
    canvas.width = canvas.height = size
    const ctx = canvas.getContext('2d')
    ctx.imageSmoothingEnabled = false
    ctx.drawImage(img, 0, 0, size, size)
    const { data } = ctx.getImageData(0, 0, size, size)
    let binary = ''
    for (let i = 0; i < data.length; i += 0x8000) binary += String.fromCharCode(...data.subarray(i, i + 0x8000))
    return { width: size, height: size, pixels: btoa(binary) }
  })
  return jsQR(new Uint8ClampedArray(Buffer.from(pixels, 'base64')), width, height)?.data ?? null
}

test('a proof requested by a member and issued in the SPA prints a QR code of its public verify page, which shows it without signing in', async () => {
  const member = await apiToken(backend, MEMBER)
  const asked = await apiCall(backend, 'POST', '/volunteer-certificate-requests', member, { period_start: '2017-01-01', period_end: '2017-12-31', purpose: '评优' })

  // The community admin issues it from the list of requests.
  const { context, page } = await browser(VIEWPORTS[0])
  let number
  try {
    await signIn(page, backend.baseUrl, LHT.username, LHT.password)
    await page.goto(`${backend.baseUrl}/volunteer-certificate-requests?status=pending`)
    const row = page.locator('[data-test=certificate-requests] tr.el-table__row', { hasText: '2017-01-01 至 2017-12-31' })
    await row.locator('[data-test=issue]').click()
    await page.locator('.el-message-box__btns button.el-button--primary').click()
    await page.locator('.el-message--success', { hasText: '已出具证明' }).waitFor()
    const answered = await apiCall(backend, 'GET', `/volunteer-certificate-requests/${asked.id}`, lht)
    assert.equal(answered.status, 'issued')
    number = answered.certificate_number
    await page.goto(`${backend.baseUrl}/volunteer-certificate-requests?status=issued`)
    await page.locator('[data-test=certificate-pdf]', { hasText: number }).waitFor()
  } finally {
    await context.close()
  }

  // The PDF: the address printed, and its QR code, lead to the public page.
  const pdf = Buffer.from(await (await fetch(`${backend.baseUrl}/api/v1/certificates/${number}.pdf`)).arrayBuffer())
  const verifyUrl = `${backend.baseUrl}/verify/${number}`
  assert.equal(qrOfPdf(pdf), verifyUrl, 'the QR code on the proof decodes to its verification page')
  const text = execFileSync('pdftotext', [join(work, 'proof.pdf'), '-'], { encoding: 'utf8' })
  assert.ok(text.replace(/\s+/g, '').includes(verifyUrl), 'the address is printed too')
  assert.match(text, /盖章/)

  // The public record is exactly what the proof shows.
  const shown = await (await fetch(`${backend.baseUrl}/api/v1/certificates/${number}`)).json()
  assert.deepEqual(Object.keys(shown).sort(), [...PUBLIC_FIELDS].sort(), 'no personal data beyond the proof')

  for (const viewport of VIEWPORTS) {
    // A fresh browser, nobody signed in: the page shows the proof, and never asks for a login.
    const { context: anon, page: visitor } = await browser(viewport)
    try {
      const calls = []
      visitor.on('request', (r) => r.url().includes('/api/') && calls.push(new URL(r.url()).pathname))
      await visitor.goto(verifyUrl)
      await visitor.locator('[data-test=verify-valid]').waitFor()
      assert.equal(new URL(visitor.url()).pathname, `/verify/${number}`)
      assert.equal(await visitor.locator('[data-test=verify-number]').innerText(), number)
      assert.equal(await visitor.locator('[data-test=verify-name]').innerText(), shown.member_name)
      assert.equal(await visitor.locator('[data-test=verify-hours]').innerText(), `${shown.hours} 小时`)
      assert.equal(await visitor.locator('[data-test=verify-org]').innerText(), shown.issuing_org_name)
      assert.equal(await visitor.locator('.el-menu, [data-test=user-menu]').count(), 0, 'no menus on the public page')
      assert.deepEqual([...new Set(calls)].filter((p) => p !== '/api/v1/meta/enums'), [`/api/v1/certificates/${number}`], 'only the public endpoint is called')
      await assertNoSideScroll(visitor, `verify at ${viewport.width}px`)
      // A number that was never issued says so.
      await visitor.goto(`${backend.baseUrl}/verify/ZY2017-999999-ABCDEF`)
      await visitor.locator('.el-result', { hasText: '未找到此编号的证明' }).waitFor()
    } finally {
      await anon.close()
    }
  }
})

for (const viewport of VIEWPORTS) {
  test(`${viewport.name}: the check-in code as an A4 poster (title, time, place, how to check in) and full screen for a projector`, async () => {
    const { code } = await apiCall(backend, 'GET', `/activities/${activity.id}/check-in-code`, lht)
    const { context, page } = await browser(viewport)
    try {
      await signIn(page, backend.baseUrl, LHT.username, LHT.password)
      await page.goto(`${backend.baseUrl}/activities/${activity.id}`)
      await page.locator('[data-test=qr-poster]').waitFor()
      assert.equal(await page.locator('[data-test=qr-poster]').getAttribute('href'), `/activities/${activity.id}/poster`)

      await page.goto(`${backend.baseUrl}/activities/${activity.id}/poster`)
      const poster = page.locator('[data-test=poster]')
      await poster.locator('[data-test=poster-qr]').waitFor()
      assert.equal(await page.locator('.el-menu').count(), 0, 'the poster prints alone')
      const words = await poster.innerText()
      for (const expected of [activity.title, '老虎头社区服务中心二楼', '签到', '签退']) assert.ok(words.includes(expected), `the poster says ${expected}`)
      assert.match(words, /\d{4}-\d{2}-\d{2} \d{2}:\d{2} 至 \d{2}:\d{2}/, 'the poster gives the time')
      assert.equal(await qrOfImage(page, '[data-test=poster-qr]'), code)
      await assertNoSideScroll(page, `poster at ${viewport.width}px`)
      // Printed on A4, on one page.
      await page.emulateMedia({ media: 'print' })
      const sheet = await poster.boundingBox()
      assert.ok(Math.abs(sheet.width - (210 * 96) / 25.4) < 2, `an A4-wide sheet (${sheet.width}px)`)
      assert.equal(await page.locator('[data-test=print]').isVisible(), false, 'no buttons on paper')
      const printed = await page.pdf({ format: 'A4', printBackground: true }).catch(() => null) // headless Chromium only
      if (printed) {
        writeFileSync(join(work, 'poster.pdf'), printed)
        const pages = /Pages:\s+(\d+)/.exec(execFileSync('pdfinfo', [join(work, 'poster.pdf')], { encoding: 'utf8' }))?.[1]
        assert.equal(pages, '1', 'the poster prints on one A4 page')
      }
      await page.emulateMedia({ media: 'screen' })

      await page.goto(`${backend.baseUrl}/activities/${activity.id}/projector`)
      const qr = page.locator('[data-test=projector-qr]')
      await qr.waitFor()
      assert.equal(await page.locator('[data-test=projector-title]').innerText(), activity.title)
      assert.match(await page.locator('[data-test=projector-count]').innerText(), /已签到 0 人/)
      const box = await qr.boundingBox()
      assert.ok(Math.min(box.width, box.height) >= 0.5 * Math.min(viewport.width, viewport.height), `the code fills the screen (${Math.round(box.width)}px)`)
      assert.equal(await qrOfImage(page, '[data-test=projector-qr]'), code)
      await assertNoSideScroll(page, `projector at ${viewport.width}px`)
    } finally {
      await context.close()
    }
  })
}
