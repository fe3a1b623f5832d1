// End-to-end: the platform admin's working-day calendar (system settings), and an admin entering a
// wish from last year's paper records with its business date (业务日期) — through the built SPA in
// Chromium, against the real backend loaded with the demo community 老虎头.
import assert from 'node:assert/strict'
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, test } from 'node:test'
import { chromium } from 'playwright-core'
import { ADMIN_PASSWORD, DEMO_LOGINS, DEMO_PASSWORD, FRONTEND, assertNoSideScroll, buildSpa, ensureChromium, launchBrowser, signIn, signOut, startBackend } from './harness.mjs'

const SHOTS = join(FRONTEND, 'test-results', 'screenshots')
const WISH = '想要一副老花镜（去年纸质登记）'

let backend
let context
let page
let profile

before(async () => {
  ensureChromium()
  buildSpa()
  backend = await startBackend({ demo: true })
  profile = mkdtempSync(join(tmpdir(), 'gongjian-chromium-'))
  mkdirSync(SHOTS, { recursive: true })
  context = await launchBrowser(chromium, profile)
  page = context.pages()[0] ?? (await context.newPage())
  page.on('pageerror', (err) => console.error('page error:', err.message))
})

after(async () => {
  await context?.close()
  await backend?.stop()
  if (profile) rmSync(profile, { recursive: true, force: true })
})

const dialog = () => page.locator('.el-dialog:visible')
const shot = (name) => page.screenshot({ path: join(SHOTS, `calendar-${name}.png`), fullPage: true })

/** Types a date into the date picker found by `locator` and commits it. */
async function typeDate(locator, value) {
  const input = locator.locator('input').first()
  await input.click()
  await input.fill(value)
  await input.press('Enter')
}

test('platform admin: reads a day of the official calendar, marks a day of a year the package lacks, removes it', async () => {
  await signIn(page, backend.baseUrl, 'admin', ADMIN_PASSWORD)
  await page.click('.el-menu-item:has-text("工作日日历")')
  await page.waitForURL(/\/settings\/calendar/)
  assert.match(await page.locator('[data-test=calendar-info]').innerText(), /2004–2026/)

  await typeDate(page.locator('.lookup'), '2026-05-01')
  await page.locator('[data-test=calendar-looked]', { hasText: '劳动节' }).waitFor()
  assert.match(await page.locator('[data-test=calendar-looked]').innerText(), /休息日[\s\S]*国家法定节假日安排/)

  await page.click('[data-test=calendar-add]')
  await typeDate(dialog().locator('.el-form-item', { hasText: '日期' }), '2027-02-08')
  await dialog().locator('.el-dialog__title').click()
  await dialog().locator('[data-test=calendar-name]').fill('春节')
  await dialog().locator('[data-test=calendar-save]').click()
  await dialog().waitFor({ state: 'hidden' })
  const row = page.locator('[data-test=calendar-entries] tr.el-table__row', { hasText: '2027-02-08' })
  await row.waitFor()
  assert.match(await row.innerText(), /周一[\s\S]*休息[\s\S]*春节/)
  await assertNoSideScroll(page, 'calendar')
  await shot('01-admin')

  await row.locator('[data-test=calendar-delete]').click()
  await page.locator('.el-message-box__btns button.el-button--primary').click()
  await row.waitFor({ state: 'detached' })
  await signOut(page)
})

test('community admin: registers last year’s wish with its business date; the list shows the date', async () => {
  await signIn(page, backend.baseUrl, DEMO_LOGINS.community_admin, DEMO_PASSWORD)
  assert.equal(await page.locator('.el-menu-item:has-text("工作日日历")').count(), 0, 'the calendar is the platform admin’s')
  await page.click('.el-menu-item:has-text("微心愿")')
  await page.waitForURL(/\/wishes/)
  const lastYear = new Date().getFullYear() - 1
  const day = `${lastYear}-03-08`

  await page.click('[data-test=create-wish]')
  await dialog().locator('[data-test=field-resident_name]').fill('刘奶奶')
  await dialog().locator('[data-test=field-content]').fill(WISH)
  await dialog().locator('[data-test=field-kind]').click()
  await page.locator('.el-select-dropdown__item:visible').first().click()
  await typeDate(dialog().locator('.el-form-item', { hasText: '业务日期' }), day)
  await dialog().locator('.el-dialog__title').click()
  await shot('02-wish-dialog')
  await dialog().locator('[data-test=action-confirm]').click()
  await dialog().waitFor({ state: 'hidden' })

  await page.locator('.el-date-editor.month input').fill(`${lastYear}-03`)
  await page.locator('.el-date-editor.month input').press('Enter')
  const row = page.locator('.el-table__body-wrapper tr.el-table__row', { hasText: WISH })
  await row.waitFor()
  assert.equal(await row.locator('[data-test=wish-registered-on]').innerText(), day)
  await shot('03-wish-listed')
})
