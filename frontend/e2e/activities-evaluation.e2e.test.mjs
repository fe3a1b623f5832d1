// End-to-end: activities (publish, open, QR check-in code, sign-up, attendance) and the two-way
// evaluation (period, community and unit score entry, finalize, ranking, export) through the built
// SPA in Chromium, against the real backend with the demo community 老虎头.
import assert from 'node:assert/strict'
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, test } from 'node:test'
import { chromium } from 'playwright-core'
import { ADMIN_PASSWORD, DEMO_LOGINS, DEMO_PASSWORD, FRONTEND, apiCall, apiToken, assertNoSideScroll, buildSpa, ensureChromium, launchBrowser, signIn, signOut, startBackend } from './harness.mjs'

const SHOTS = join(FRONTEND, 'test-results', 'screenshots')
const NAME = 'activities-evaluation'
const DESKTOP = { width: 1366, height: 768 }
const PHONE = { width: 390, height: 844 }
const ADMIN = { username: 'admin', password: ADMIN_PASSWORD }
const COMMUNITY_ADMIN = { username: DEMO_LOGINS.community_admin, password: DEMO_PASSWORD }
const UNIT_ADMIN = { username: DEMO_LOGINS.unit_admin, password: DEMO_PASSWORD }
const MEMBER = { username: DEMO_LOGINS.member, password: DEMO_PASSWORD }
const MEMBER_NAME = '陈立新' // the demo member's profile: an officer of the court reporting to 老虎头
const ACTIVITY = '冬季楼道环境整治志愿服务'
const PERIOD = '2026年度（端到端）'

let backend
let context
let page
let profile
let labels = {}
const tokens = {}

before(async () => {
  ensureChromium()
  buildSpa()
  backend = await startBackend({ demo: true })
  for (const [key, login] of Object.entries({ admin: ADMIN, community: COMMUNITY_ADMIN, unit: UNIT_ADMIN, member: MEMBER })) tokens[key] = await apiToken(backend, login)
  const enums = await apiCall(backend, 'GET', '/meta/enums', tokens.admin)
  labels = Object.fromEntries(enums.enums.map((e) => [e.name, Object.fromEntries(e.values.map((v) => [v.code, v.label]))]))
  profile = mkdtempSync(join(tmpdir(), 'gongjian-chromium-'))
  mkdirSync(SHOTS, { recursive: true })
  context = await launchBrowser(chromium, profile, DESKTOP)
  page = context.pages()[0] ?? (await context.newPage())
  page.on('pageerror', (err) => console.error('page error:', err.message))
})

after(async () => {
  await context?.close()
  await backend?.stop()
  if (profile) rmSync(profile, { recursive: true, force: true })
})

const url = (path) => `${backend.baseUrl}${path}`
async function shot(name, { keepDialogs = false } = {}) {
  if (!keepDialogs) await page.waitForFunction(() => !document.querySelector('.el-overlay:not([style*="display: none"])'))
  // A dialog kept in the picture has finished fading in.
  else await page.waitForFunction(() => [...document.querySelectorAll('.el-overlay')].every((o) => !o.getAnimations({ subtree: true }).length))
  // Loading masks fade out after the data has come: wait for them to go too.
  await page.waitForFunction(() => ![...document.querySelectorAll('.el-loading-mask')].some((m) => m.checkVisibility()))
  await page.evaluate(() => document.querySelector('.el-main')?.scrollTo(0, 0))
  await page.screenshot({ path: join(SHOTS, `${NAME}-${name}.png`), fullPage: true })
}
/** A screenshot of the viewport with `locator` scrolled into view (the page scrolls inside .el-main). */
async function shotAt(name, locator) {
  await locator.scrollIntoViewIfNeeded()
  await page.screenshot({ path: join(SHOTS, `${NAME}-${name}.png`) })
}
const dialog = () => page.locator('.el-dialog:visible')
const rowsOf = (text, scope = page) => scope.locator('.el-table__body-wrapper tr.el-table__row', { hasText: text })
const confirmBox = () => page.locator('.el-message-box__btns button.el-button--primary').click()
const pickOption = (text) => page.locator('.el-select-dropdown__item:visible', { hasText: text }).first().click()
/** Types into an Element Plus date/number input and commits it (Enter, then leave the field). */
async function typeInto(locator, text) {
  await locator.click()
  await locator.fill(text)
  await locator.press('Enter')
  await locator.press('Tab')
}

const noHorizontalScroll = (label) => assertNoSideScroll(page, label)

const login = ({ username, password }) => signIn(page, backend.baseUrl, username, password)

const logout = () => signOut(page)

/** Today in Shanghai, `YYYY-MM-DD`. */
function shanghaiToday() {
  return new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai' }).format(new Date())
}

let activityId

test('community admin: publishes and opens an activity, shows the QR check-in code, marks attendance', async () => {
  await login(COMMUNITY_ADMIN)
  assert.match(await page.locator('[data-test="side-menu"]').innerText(), /活动/)
  await page.click('.el-menu-item:has-text("活动")')
  await page.waitForURL(/\/activities/)
  // The demo community's 2017 activities are listed, newest first.
  await page.locator('[data-test=activity-link]').first().waitFor()
  await page.click('[data-test=create-activity]')
  const form = dialog().locator('[data-test=activity-form]')
  await form.locator('input[name=title]').fill(ACTIVITY)
  await form.locator('[data-test=kind-select]').click()
  await pickOption(labels.activity_kind.volunteer_service)
  const today = shanghaiToday()
  await typeInto(form.locator('[data-test=starts-at] input'), `${today} 09:00`)
  await typeInto(form.locator('[data-test=ends-at] input'), `${today} 11:30`)
  await form.locator('input[name=location]').fill('老虎头社区 3 栋')
  // A title the API refuses (too short): its message is shown on the field, the dialog stays.
  await form.locator('input[name=title]').fill('冬')
  await dialog().locator('[data-test=save]').click()
  const titleError = form.locator('.el-form-item', { has: page.locator('input[name=title]') }).locator('.el-form-item__error')
  await titleError.waitFor()
  assert.ok((await titleError.innerText()).trim().length > 0)
  await shot('activity-form-error', { keepDialogs: true })
  await form.locator('input[name=title]').fill(ACTIVITY)
  await dialog().locator('[data-test=save]').click()
  await page.waitForURL(/\/activities\/\d+$/)
  activityId = Number(new URL(page.url()).pathname.split('/').pop())
  const status = page.locator('.title-row [data-test=activity-status]')
  await status.filter({ hasText: labels.activity_status.planned }).waitFor()
  assert.match(await page.locator('[data-test=activity-facts]').innerText(), new RegExp(`${today} 09:00`))

  await page.click('[data-test=activity-open]')
  await confirmBox()
  await status.filter({ hasText: labels.activity_status.open }).waitFor()

  // The check-in code as a QR image (a PNG data URL drawn by the lazily loaded library) and as text.
  const qr = page.locator('img[data-test=check-in-qr]')
  await qr.waitFor()
  const src = await qr.getAttribute('src')
  assert.match(src, /^data:image\/png;base64,/)
  assert.ok(src.length > 1000, 'the QR image has content')
  assert.ok(await qr.evaluate((img) => img.complete && img.naturalWidth >= 100), 'the QR image decodes')
  const code = (await page.locator('[data-test=check-in-code]').innerText()).trim()
  assert.match(code, /^[0-9A-Z]+\.[0-9A-Z]+\.[A-Z2-7]{16}$/)
  assert.equal(parseInt(code.split('.')[0], 36), activityId, 'the code carries the activity id')

  // The member signs up (in the mini-program; here through the API).
  const signup = await apiCall(backend, 'POST', `/activities/${activityId}/signups`, tokens.member, {})
  assert.equal(signup.member.name, MEMBER_NAME)
  await page.reload()
  const row = rowsOf(MEMBER_NAME, page.locator('[data-test=signups]'))
  await row.locator('[data-test=attendance-state]', { hasText: '未签到' }).waitFor()

  await row.locator('[data-test=mark-attendance]').click()
  // Prefilled with the activity's start and end.
  assert.equal(await dialog().locator('[data-test=checked-in-at] input').inputValue(), `${today} 09:00`)
  await typeInto(dialog().locator('[data-test=checked-in-at] input'), `${today} 08:55`)
  await dialog().locator('[data-test=attendance-save]').click()
  await dialog().waitFor({ state: 'hidden' })
  await row.locator('[data-test=attendance-state]', { hasText: '已签退' }).waitFor()
  assert.match(await row.locator('[data-test=checked-in]').innerText(), new RegExp(`${today} 08:55`))
  assert.match(await row.locator('[data-test=checked-out]').innerText(), new RegExp(`${today} 11:30`))
  assert.match(await row.innerText(), /手工登记/)
  assert.equal(await row.locator('[data-test=marked-by]').getAttribute('title'), '登记人：老虎头社区党委管理员')
  await page.locator('[data-test=participants]', { hasText: '1' }).waitFor()
  // The admin signs up one of its community's members in the UI too.
  await page.click('[data-test=add-signup]')
  await dialog().locator('[data-test=signup-member] input').fill('王又明')
  await pickOption('王又明')
  await dialog().locator('[data-test=signup-save]').click()
  await dialog().waitFor({ state: 'hidden' })
  await rowsOf('王又明', page.locator('[data-test=signups]')).locator('[data-test=attendance-state]', { hasText: '未签到' }).waitFor()
  await noHorizontalScroll('activity detail')
  await shot('activity-detail')

  await page.setViewportSize(PHONE)
  await page.reload()
  await page.locator('img[data-test=check-in-qr]').waitFor()
  await noHorizontalScroll('activity detail at 390px')
  await shot('activity-detail-390')
  await shotAt('signups-390', page.locator('[data-test=signups]'))
  await page.goto(url('/activities'))
  await rowsOf(ACTIVITY).waitFor()
  await noHorizontalScroll('activities at 390px')
  await shot('activities-390')
  await page.setViewportSize(DESKTOP)

  // Filters live in the URL: the open ones only.
  await page.goto(url('/activities?status=open'))
  await rowsOf(ACTIVITY).waitFor()
  assert.equal(await page.locator('.el-table__body-wrapper tr.el-table__row').count(), 1)
  await shot('activities')

  // Finishing is irreversible: confirmed first.
  await rowsOf(ACTIVITY).locator('[data-test=activity-finish]').click()
  await page.locator('.el-message-box', { hasText: '不能恢复' }).waitFor()
  await confirmBox()
  await page.goto(url('/activities'))
  await rowsOf(ACTIVITY).locator('[data-test=activity-status]', { hasText: labels.activity_status.finished }).waitFor()
  await logout()
})

let periodId

test('platform admin: creates and opens an evaluation period; finalize refuses while scores are missing', async () => {
  await login(ADMIN)
  await page.click('.el-menu-item:has-text("双向考评")')
  await page.waitForURL(/\/evaluation-periods/)
  await page.click('[data-test=create-period]')
  await dialog().locator('input[name=name]').fill(PERIOD)
  await dialog().locator('[data-test=period-save]').click()
  await page.waitForURL(/\/evaluation-periods\/\d+/)
  periodId = Number(new URL(page.url()).pathname.split('/').pop())
  const status = page.locator('.title-row [data-test=period-status]')
  await status.filter({ hasText: labels.evaluation_period_status.draft }).waitFor()
  // The default scheme's criteria are shown.
  assert.match(await page.locator('[data-test=scheme]').innerText(), /报到履职 30 分/)
  // In draft the whole scheme may be edited: criteria summing to 100, weight, grade lines.
  await page.click('[data-test=period-edit]')
  await dialog().getByText('满分合计 100（须为 100）').waitFor()
  await shot('period-scheme', { keepDialogs: true })
  await dialog().locator('button', { hasText: '取消' }).click()
  await dialog().waitFor({ state: 'hidden' })
  await page.click('[data-test=period-open]')
  await confirmBox()
  await status.filter({ hasText: labels.evaluation_period_status.open }).waitFor()
  await rowsOf(MEMBER_NAME).waitFor()
  // The platform admin does not score.
  assert.equal(await page.locator('[data-test=score-community], [data-test=score-unit]').count(), 0)
  await page.click('.el-menu-item:has-text("双向考评")')
  await page.locator('[data-test=period-link]', { hasText: PERIOD }).waitFor()
  await shot('periods')
  await page.locator('[data-test=period-link]', { hasText: PERIOD }).click()
  await page.locator('[data-test=period-finalize]').waitFor()

  // Everyone but the demo member is scored through the API (the flow clicks through one member).
  const period = await apiCall(backend, 'GET', `/evaluation-periods/${periodId}`, tokens.admin)
  const evaluations = await apiCall(backend, 'GET', `/evaluation-periods/${periodId}/evaluations?page_size=100`, tokens.admin)
  let n = 0
  for (const ev of evaluations.items.filter((e) => e.member.name !== MEMBER_NAME)) {
    const points = Object.fromEntries(period.criteria.map((c) => [c.code, Math.round(c.max_points * (0.7 + (n % 4) * 0.05))]))
    await apiCall(backend, 'PUT', `/evaluations/${ev.id}/community-score`, tokens.community, { points, opinion: '按时报到，积极参加社区活动。' })
    await apiCall(backend, 'PUT', `/evaluations/${ev.id}/unit-score`, tokens.unit, { score: 70 + n, comment: '' })
    n += 1
  }

  // 定档 is not offered while a score is missing: the button is disabled, with the reason and the progress.
  await page.reload()
  const total = evaluations.items.length
  await page.locator('[data-test=progress-scored]', { hasText: `${total - 1}/${total}` }).waitFor()
  assert.ok(await page.locator('button[data-test=period-finalize]').isDisabled(), '定档 is disabled')
  assert.match(await page.locator('[data-test=blocked-reason]').innerText(), new RegExp(`还有 1 名党员的评分未完成（双方已评 ${total - 1}/${total}）`))
  await shot('finalize-refused')
  await status.filter({ hasText: labels.evaluation_period_status.open }).waitFor()
  await logout()
})

test('community admin enters the community score, unit admin the unit score, both in the UI', async () => {
  await login(COMMUNITY_ADMIN)
  await page.goto(url(`/evaluation-periods/${periodId}`))
  const row = rowsOf(MEMBER_NAME, page.locator('[data-test=evaluations]'))
  await row.locator('[data-test=score-community]').click()
  const form = dialog().locator('[data-test=community-score-form]')
  for (const [code, points] of [['reporting', '28'], ['volunteering', '27.5'], ['contact', '18'], ['discipline', '19']]) {
    await typeInto(form.locator(`[data-test=points-${code}] input`), points)
  }
  await form.locator('[data-test=points-total]', { hasText: '92.5' }).waitFor()
  await form.locator('textarea[data-test=opinion]').fill('按时到社区报到，参加志愿服务 12 次，联系困难群众 3 户。')
  await shot('community-score', { keepDialogs: true })
  await dialog().locator('[data-test=community-score-save]').click()
  await dialog().waitFor({ state: 'hidden' })
  await row.locator('[data-test=community-score]', { hasText: '92.5' }).waitFor()
  assert.match(await row.innerText(), new RegExp(labels.evaluation_status.community_scored))
  // The community admin does not enter unit scores.
  assert.equal(await page.locator('[data-test=score-unit]').count(), 0)
  await logout()

  await login(UNIT_ADMIN)
  await page.click('.el-menu-item:has-text("双向考评")')
  await page.locator('[data-test=period-link]', { hasText: PERIOD }).click()
  const unitRow = rowsOf(MEMBER_NAME, page.locator('[data-test=evaluations]'))
  await unitRow.locator('[data-test=score-unit]').click()
  await typeInto(dialog().locator('[data-test=unit-score] input'), '88')
  await dialog().locator('textarea[data-test=unit-comment]').fill('业务骨干，工作认真负责。')
  // 0.3 × 92.5 + 0.7 × 88 = 89.35 → 89.4 (half up), as the API computes it.
  await dialog().locator('[data-test=final-preview]', { hasText: '89.4' }).waitFor()
  await dialog().locator('[data-test=unit-score-save]').click()
  await dialog().waitFor({ state: 'hidden' })
  await unitRow.locator('[data-test=final-score]', { hasText: '89.4' }).waitFor()
  assert.equal(await page.locator('[data-test=score-community]').count(), 0)
  await noHorizontalScroll('evaluations')
  await shot('evaluations-unit-admin')
  await logout()
})

test('platform admin finalizes; the ranking shows the member with the expected total; export downloads', async () => {
  await login(ADMIN)
  await page.goto(url(`/evaluation-periods/${periodId}`))
  await page.click('[data-test=period-finalize]')
  await page.locator('.el-message-box', { hasText: '不能再修改' }).waitFor()
  await confirmBox()
  await page.locator('.title-row [data-test=period-status]', { hasText: labels.evaluation_period_status.finalized }).waitFor()
  await page.locator('[data-test=period-reopen]').waitFor()
  await logout()

  await login(UNIT_ADMIN)
  await page.goto(url(`/evaluation-periods/${periodId}?tab=ranking`))
  const ranking = page.locator('[data-test=ranking]')
  const row = rowsOf(MEMBER_NAME, ranking)
  await row.waitFor()
  assert.match(await row.locator('[data-test=final-score]').innerText(), /^89\.4$/)
  assert.match(await row.innerText(), new RegExp(labels.evaluation_grade.qualified))
  assert.equal(await ranking.locator('[data-test=provisional]').count(), 0, 'finalized, not provisional')
  await page.locator('[data-test=ranking-chart] canvas').waitFor()
  await noHorizontalScroll('ranking')
  await shot('ranking')

  const [download] = await Promise.all([page.waitForEvent('download'), page.click('[data-test=export]')])
  assert.match(download.suggestedFilename(), /考评结果\.xlsx$/)

  await page.setViewportSize(PHONE)
  await page.reload()
  await rowsOf(MEMBER_NAME, page.locator('[data-test=ranking]')).waitFor()
  await noHorizontalScroll('ranking at 390px')
  await shot('ranking-390')
  await shotAt('ranking-table-390', page.locator('[data-test=ranking-table]'))
  await page.setViewportSize(DESKTOP)
})

test('member: sees its own sign-up with attendance and its own finalized result, no admin buttons', async () => {
  await logout()
  await login(MEMBER)
  await page.goto(url(`/activities/${activityId}`))
  const row = rowsOf(MEMBER_NAME, page.locator('[data-test=signups]'))
  await row.locator('[data-test=attendance-state]', { hasText: '已签退' }).waitFor()
  assert.equal(await page.locator('[data-test=mark-attendance], [data-test=activity-edit], img[data-test=check-in-qr]').count(), 0)

  await page.click('.el-menu-item:has-text("双向考评")')
  await page.locator('[data-test=period-link]', { hasText: PERIOD }).click()
  const mine = rowsOf(MEMBER_NAME, page.locator('[data-test=evaluations]'))
  await mine.locator('[data-test=final-score]', { hasText: '89.4' }).waitFor()
  assert.equal(await page.locator('.el-tabs__item', { hasText: '单位排名' }).count(), 0, 'no ranking for members')
  assert.equal(await page.locator('.el-table__body-wrapper tr.el-table__row').count(), 1, 'only its own evaluation')
  await shot('member-result')
})

test('platform admin: reopens the finalized period with a reason; grades are cleared, scores kept', async () => {
  await logout()
  await login(ADMIN)
  await page.goto(url(`/evaluation-periods/${periodId}`))
  await page.click('[data-test=period-reopen]')
  await dialog().locator('textarea[data-test=field-reason]').fill('单位提出复核申请，重新核对评分')
  await dialog().locator('[data-test=action-confirm]').click()
  await dialog().waitFor({ state: 'hidden' })
  await page.locator('.title-row [data-test=period-status]', { hasText: labels.evaluation_period_status.open }).waitFor()
  const row = rowsOf(MEMBER_NAME, page.locator('[data-test=evaluations]'))
  await row.locator('[data-test=evaluation-status]', { hasText: labels.evaluation_status.scored }).waitFor()
  assert.equal(await row.locator('[data-test=final-score]').innerText(), '89.4')
  assert.equal(await row.locator('[data-test=grade]').count(), 0)
})
