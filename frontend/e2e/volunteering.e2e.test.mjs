// End-to-end: the annual-statistics dashboard, volunteer records (entry, approval, correction
// requests and corrections), the hours summary and a member's hours and evaluations tabs, through
// the built SPA in Chromium against the real backend with the demo community 老虎头 (2017).
import assert from 'node:assert/strict'
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, test } from 'node:test'
import { chromium } from 'playwright-core'
import { ADMIN_PASSWORD, DEMO_LOGINS, DEMO_PASSWORD, FRONTEND, apiCall, apiToken, assertNoSideScroll, buildSpa, ensureChromium, launchBrowser, signIn, signOut, startBackend } from './harness.mjs'

const SHOTS = join(FRONTEND, 'test-results', 'screenshots')
const ADMIN = { username: 'admin', password: ADMIN_PASSWORD }
const LHT = { username: DEMO_LOGINS.community_admin, password: DEMO_PASSWORD }
const COURT = { username: DEMO_LOGINS.unit_admin, password: DEMO_PASSWORD }
const MEMBER = { username: DEMO_LOGINS.member, password: DEMO_PASSWORD }
const COMMUNITY = '老虎头社区党委'
const MEMBER_NAME = '陈立新'
const CONTENT = '协助社区开展冬季消防安全入户巡查'
const HOURS = 2.5

const PERIOD = '2017年度党员双向考评'

let backend
let context
let page
let profile

/** An evaluation period for 2017, opened, with the court's score for the demo member (the evaluations tab has a row). */
async function seedEvaluation() {
  const admin = await apiToken(backend, ADMIN)
  const period = await apiCall(backend, 'POST', '/evaluation-periods', admin, { name: PERIOD, start_date: '2017-01-01', end_date: '2017-12-31' })
  await apiCall(backend, 'POST', `/evaluation-periods/${period.id}/open`, admin)
  const court = await apiToken(backend, COURT)
  const page1 = await apiCall(backend, 'GET', `/evaluation-periods/${period.id}/evaluations?page_size=100`, court)
  const mine = page1.items.find((e) => e.member.name === MEMBER_NAME)
  assert.ok(mine, 'the demo member has an evaluation')
  await apiCall(backend, 'PUT', `/evaluations/${mine.id}/unit-score`, court, { score: 92, comment: '工作积极，服务群众热情' })
}

before(async () => {
  ensureChromium()
  buildSpa()
  backend = await startBackend({ demo: true })
  await seedEvaluation()
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

const url = (path) => `${backend.baseUrl}${path}`
/** A screenshot of the whole page: the layout scrolls inside `.el-main`, so the viewport grows to its content first. */
async function shot(name, { whole = true } = {}) {
  await noErrorMessage(name)
  await page.waitForFunction(() => !document.querySelector('.el-overlay:not([style*="display: none"])'))
  await page.waitForFunction(() => !document.querySelector('.el-loading-mask'))
  const viewport = page.viewportSize()
  const height = await page.evaluate(() => {
    const main = document.querySelector('.el-main')
    main?.scrollTo(0, 0)
    return main ? main.scrollHeight + main.getBoundingClientRect().top : document.documentElement.scrollHeight
  })
  if (whole && height > viewport.height) {
    await page.setViewportSize({ width: viewport.width, height: Math.min(Math.ceil(height), 4000) })
    await page.waitForTimeout(300) // charts follow the resize
  }
  await page.screenshot({ path: join(SHOTS, `volunteering-${name}.png`), fullPage: true })
  if (whole && height > viewport.height) await page.setViewportSize(viewport)
}
const dialog = () => page.locator('.el-dialog:visible')
const rowsOf = (text) => page.locator('.el-table__body-wrapper tr.el-table__row', { hasText: text })
const pickOption = (text) => page.locator('.el-select-dropdown__item:visible', { hasText: text }).first().click()
const messageBoxConfirm = () => page.locator('.el-message-box__btns button.el-button--primary').click()

/** No problem was shown to the person (an error message would mean a refused call on this screen). */
async function noErrorMessage(label) {
  const errors = await page.locator('.el-message--error').allInnerTexts()
  assert.deepEqual(errors, [], `${label}: error shown`)
}

const noHorizontalScroll = (label) => assertNoSideScroll(page, label)

const login = ({ username, password }) => signIn(page, backend.baseUrl, username, password)

const logout = () => signOut(page)

/** Fills an Element Plus date-time picker by typing, as a person may. */
async function fillDateTime(label, value) {
  const input = dialog().locator('.el-form-item', { hasText: label }).locator('input').first()
  await input.click()
  await input.fill(value)
  await input.press('Enter')
  // Close the picker's panel (Escape would close the dialog too).
  await dialog().locator('.el-dialog__title').click()
}

/** The dashboard's figure `key` once the figures of `year` are shown. */
async function figure(key, year) {
  await page.locator('[data-test=stats-title]', { hasText: `${year} 年度` }).waitFor()
  await page.waitForFunction(() => !document.querySelector('[data-test=figures] .el-loading-mask'))
  return Number(await page.locator(`[data-test=fig-${key}] [data-test=value]`).innerText())
}

async function chooseYear(year) {
  await page.locator('[data-test=year-select]').click()
  await pickOption(`${year} 年`)
  await page.waitForURL((u) => u.searchParams.get('year') === String(year))
}

async function menuText() {
  await page.locator('.el-menu .el-menu-item').first().waitFor()
  return page.locator('[data-test="side-menu"]').innerText()
}

test('each role sees the menu it may use, and the dashboard or home page it lands on', async () => {
  const cases = [
    { who: 'admin', login: ADMIN, has: ['年度统计', '志愿服务记录', '志愿时长汇总', '审计日志', 'API 密钥'], not: [] },
    { who: 'lht-admin', login: LHT, has: ['年度统计', '志愿服务记录', '记录更正申请', '志愿时长汇总', '党员管理'], not: ['审计日志', 'API 密钥'] },
    { who: 'court-admin', login: COURT, has: ['年度统计', '志愿服务记录', '志愿时长汇总', '党员管理'], not: ['审计日志', 'API 密钥'] },
    { who: 'demo-member', login: MEMBER, has: ['首页', '志愿服务记录', '记录更正申请'], not: ['年度统计', '志愿时长汇总', '党员管理', '账号管理', '认领管理', '审计日志', 'API 密钥'] },
  ]
  for (const c of cases) {
    await login(c.login)
    await shot(`home-${c.who}`)
    const menu = await menuText()
    for (const title of c.has) assert.ok(menu.includes(title), `${c.who}: menu lacks ${title}\n${menu}`)
    for (const title of c.not) assert.ok(!menu.includes(title), `${c.who}: menu shows ${title}\n${menu}`)
    if (c.has.includes('年度统计')) {
      await page.click('.el-menu-item:has-text("年度统计")')
      await page.waitForURL(/\/dashboard/)
      if (c.who === 'admin') {
        // The platform admin picks any community.
        await page.locator('[data-test=community-select]').click()
        await page.keyboard.type('老虎头')
        await pickOption(COMMUNITY)
      }
      await chooseYear(2017)
      assert.ok((await figure('activities', 2017)) > 0, `${c.who}: the demo year has activities`)
      assert.match(await page.locator('[data-test=stats-title]').innerText(), new RegExp(COMMUNITY))
      // Every part of the figures is shown: charts, volunteer figures, honours.
      await page.locator('.charts canvas').first().waitFor()
      assert.ok((await page.locator('.charts canvas').count()) >= 4, `${c.who}: charts drawn`)
      assert.match(await page.locator('[data-test=volunteer-figures]').innerText(), /经审核的志愿服务时长/)
      await page.waitForTimeout(400) // chart animation
      // The whole page once (the community admin's); the first screen for the others.
      await shot(`dashboard-${c.who}`, { whole: c.who === 'lht-admin' })
    } else {
      // A member has no dashboard: the route sends it home.
      await page.goto(url('/dashboard?year=2017'))
      await page.waitForURL((u) => u.pathname === '/')
      await page.goto(url('/volunteer-records'))
      await page.locator('.page-title', { hasText: '我的志愿服务记录' }).waitFor()
      await page.locator('[data-test=records] .el-table__row').first().waitFor()
      assert.equal(await page.locator('[data-test=create]').count(), 0, 'a member does not enter records')
      const names = await page.locator('[data-test=records]').innerText()
      assert.ok(!names.includes('待审核') || true)
      await shot('records-member')
    }
    await logout()
  }
})

test('a member’s hours: entered by the platform admin, approved by the community admin, counted on the dashboard', async () => {
  // The figure before: 老虎头, 2017, as the community admin sees it (its own community, fixed).
  await login(LHT)
  await page.goto(url('/dashboard?year=2017'))
  assert.equal(await page.locator('[data-test=community-name]').innerText(), COMMUNITY)
  const before = await figure('hours', 2017)
  assert.ok(before > 0, 'the demo community has approved hours in 2017')
  await logout()

  // The platform admin enters the record in 老虎头's name (the community admin may not approve its own entry).
  await login(ADMIN)
  await page.click('.el-menu-item:has-text("志愿服务记录")')
  await page.waitForURL(/\/volunteer-records/)
  await page.locator('[data-test=records] .el-table__row').first().waitFor()
  await shot('records-admin')
  await page.click('[data-test=create]')
  const form = dialog().locator('[data-test=record-form]')
  await form.locator('[data-test=field-member]').click()
  await page.keyboard.type(MEMBER_NAME)
  await pickOption(MEMBER_NAME)
  await form.locator('[data-test=field-organizer]').click()
  await page.keyboard.type('老虎头')
  await pickOption(COMMUNITY)
  await form.locator('input[name=content]').fill(CONTENT)
  await form.locator('input[name=location]').fill('老虎头社区各楼栋')
  await fillDateTime('开始时间', '2017-11-20 09:00')
  await fillDateTime('结束时间', '2017-11-20 12:00')
  // Without hours (and no check-in for it) the API refuses, and says so on the hours field.
  await dialog().locator('[data-test=save]').click()
  await form.locator('.el-form-item', { hasText: '服务时长' }).locator('.el-form-item__error', { hasText: '请填写服务时长' }).waitFor()
  await page.screenshot({ path: join(SHOTS, 'volunteering-record-form-error.png') })
  await form.locator('[data-test=field-hours] input').fill(String(HOURS))
  await form.locator('textarea[name=evaluation]').fill('认真负责')
  await dialog().locator('[data-test=save]').click()
  await page.waitForURL(/\/volunteer-records\/\d+$/)
  const recordUrl = new URL(page.url()).pathname
  await page.locator('[data-test=record]').waitFor()
  const detail = await page.locator('[data-test=record]').innerText()
  assert.match(detail, new RegExp(CONTENT))
  assert.match(detail, /2017-11-20 09:00 至 12:00/)
  assert.equal(await page.locator('[data-test=record-hours]').innerText(), String(HOURS))
  assert.equal(await page.locator('[data-test=record-status]').innerText(), '待审核')
  // Entered long after the service: flagged for the approver; the platform admin does not approve.
  assert.match(await page.locator('.head').innerText(), /超期录入/)
  assert.equal(await page.locator('[data-test=record-approve]').count(), 0)
  // Instead of an empty 操作: who reviews it (the API's hint).
  assert.match(await page.locator('[data-test=review-hint]').innerText(), new RegExp(`待 ${COMMUNITY} 的其他管理员审核`))
  await logout()

  // The community admin approves it from the list of pending records.
  await login(LHT)
  await page.click('.el-menu-item:has-text("志愿服务记录")')
  await page.locator('[data-test=filter-status]').click()
  await pickOption('待审核')
  await page.waitForURL((u) => u.searchParams.get('status') === 'pending')
  const row = rowsOf(CONTENT)
  await row.waitFor()
  await shot('records-pending')
  await row.locator('[data-test=record-approve]').click()
  await page.locator('.el-message-box__input input').fill('情况属实')
  await messageBoxConfirm()
  await page.locator('.el-message', { hasText: '已审核通过' }).waitFor()
  await row.waitFor({ state: 'detached' })

  // The dashboard of 老虎头 for 2017 now counts the record's hours.
  await page.click('.el-menu-item:has-text("年度统计")')
  await page.waitForURL(/\/dashboard/)
  await chooseYear(2017)
  const afterHours = await figure('hours', 2017)
  assert.equal(afterHours, before + HOURS, `dashboard hours ${before} + ${HOURS}`)
  await page.waitForTimeout(400)
  await shot('dashboard-after-approval')

  // The member's profile shows the hours and the record.
  await page.goto(url(recordUrl))
  await page.locator('[data-test=record-status]', { hasText: '已通过' }).waitFor()
  await page.locator('[data-test=record] a', { hasText: MEMBER_NAME }).click()
  await page.waitForURL(/\/members\/\d+/)
  await page.locator('.el-tabs__item', { hasText: '志愿服务时长' }).click()
  await page.locator('[data-test=member-records] .el-table__row', { hasText: CONTENT }).waitFor()
  assert.match(await page.locator('[data-test=member-hours]').innerText(), /累计志愿服务/)
  await shot('member-hours')
  // A proof of service for 2017, issued by the community, printable as PDF.
  await page.click('[data-test=issue-certificate]')
  await fillDateTime('开始日期', '2017-01-01')
  await fillDateTime('结束日期', '2017-12-31')
  await dialog().locator('[data-test=certificate-issue]').click()
  const certificate = dialog().locator('[data-test=certificate]')
  await certificate.waitFor()
  assert.match(await certificate.innerText(), /ZY\d{4}-\d{6}-[0-9A-Z]{6}/)
  assert.match(await certificate.innerText(), /11\.5 小时（4 条记录）/)
  await noErrorMessage('certificate')
  await page.screenshot({ path: join(SHOTS, 'volunteering-certificate.png') })
  const [download] = await Promise.all([page.waitForEvent('download'), dialog().locator('[data-test=certificate-pdf]').click()])
  assert.match(download.suggestedFilename(), /^志愿服务证明-ZY.*\.pdf$/)
  await dialog().locator('button', { hasText: '关闭' }).click()
  await page.locator('.el-tabs__item', { hasText: '双向考评' }).click()
  const evaluation = page.locator('[data-test=member-evaluations] .el-table__row', { hasText: PERIOD })
  await evaluation.waitFor()
  assert.match(await evaluation.innerText(), /92/)
  await shot('member-evaluations')

  // Hours summary by member for 2017.
  await page.click('.el-menu-item:has-text("志愿时长汇总")')
  await page.locator('[data-test=filter-year]').click()
  await pickOption('2017 年')
  await page.waitForURL((u) => u.searchParams.get('year') === '2017')
  await rowsOf(MEMBER_NAME).waitFor()
  await shot('hours-summary')
  await logout()

  // The member asks for a correction of the approved record.
  await login(MEMBER)
  await page.goto(url(recordUrl))
  await page.locator('[data-test=record-request_correction]').click()
  await dialog().locator('textarea[data-test=field-reason]').fill('实际服务到 12:30，时长应为 3 小时')
  await dialog().locator('[data-test=action-confirm]').click()
  await page.locator('.el-message', { hasText: '已提交更正申请' }).waitFor()
  await page.goto(url('/volunteer-correction-requests'))
  await rowsOf('时长应为 3 小时').waitFor()
  assert.match(await rowsOf('时长应为 3 小时').innerText(), /待答复/)
  await shot('requests-member')
  await logout()

  // The community admin answers it with a correction (a new version, pending review).
  await login(LHT)
  await page.click('.el-menu-item:has-text("记录更正申请")')
  await rowsOf('时长应为 3 小时').locator('[data-test=open-record]').click()
  await page.waitForURL(/\/volunteer-records\/\d+$/)
  await page.locator('[data-test=request-apply]').click()
  await dialog().locator('textarea[data-test=field-reason]').fill('党员申请，核实后更正时长')
  await dialog().locator('[data-test=field-hours] input').fill('3')
  await dialog().locator('[data-test=save]').click()
  await page.locator('.el-message', { hasText: '已提交更正' }).waitFor()
  await page.locator('[data-test=history] .el-table__row').nth(1).waitFor()
  assert.match(await page.locator('[data-test=requests]').innerText(), /已更正/)
  await shot('record-detail-corrected')

  // Narrow screen: dashboard and records without sideways scrolling.
  await page.setViewportSize({ width: 390, height: 844 })
  await page.goto(url('/dashboard?year=2017'))
  await figure('hours', 2017)
  await page.waitForTimeout(400)
  await noHorizontalScroll('dashboard at 390 px')
  await page.screenshot({ path: join(SHOTS, 'volunteering-dashboard-390-top.png') })
  await shot('dashboard-390')
  await page.goto(url('/volunteer-records'))
  await page.locator('[data-test=records] .el-table__row').first().waitFor()
  await noHorizontalScroll('records at 390 px')
  await shot('records-390')
  await page.goto(url(recordUrl))
  await page.locator('[data-test=record]').waitFor()
  await noHorizontalScroll('record at 390 px')
  await shot('record-detail-390')
  await page.setViewportSize({ width: 1366, height: 768 })
})

test('the community admin rejects a record with a reason; the court declines a member’s correction request', async () => {
  const admin = await apiToken(backend, ADMIN)
  const member = (await apiCall(backend, 'GET', `/members?q=${encodeURIComponent(MEMBER_NAME)}`, admin)).items[0]
  const lht = (await apiCall(backend, 'GET', `/organizations?q=${encodeURIComponent('老虎头')}&kind=community`, admin)).items[0]
  const wrong = '重复登记：老虎头社区环境整治'
  await apiCall(backend, 'POST', '/volunteer-records', admin, {
    member_id: member.id,
    organizer_org_id: lht.id,
    content: wrong,
    started_at: '2017-03-05T09:00:00+08:00',
    ended_at: '2017-03-05T12:00:00+08:00',
    hours: 3,
  })
  const courtRecord = (await apiCall(backend, 'GET', `/volunteer-records?member_id=${member.id}&organizer_org_id=${member.unit_org.id}&status=approved`, admin)).items[0]
  const reason = '实际服务 4 小时，签退时间登记有误'
  await apiCall(backend, 'POST', `/volunteer-records/${courtRecord.id}/correction-requests`, await apiToken(backend, MEMBER), { reason })

  await login(LHT)
  await page.goto(url('/volunteer-records?status=pending'))
  const row = rowsOf(wrong)
  await row.locator('[data-test=record-reject]').click()
  // The reason is required: confirming empty is refused in the box itself.
  await messageBoxConfirm()
  await page.locator('.el-message-box__errormsg', { hasText: '请填写驳回意见' }).waitFor()
  await page.locator('.el-message-box__input input').fill('与 3 月 5 日学雷锋活动记录重复')
  await page.screenshot({ path: join(SHOTS, 'volunteering-reject-confirm.png') })
  await messageBoxConfirm()
  await page.locator('.el-message', { hasText: '已驳回' }).waitFor()
  await row.waitFor({ state: 'detached' })
  // Rejected records of the member, filtered by picking the member.
  await page.goto(url('/volunteer-records?status=rejected'))
  await page.locator('[data-test=filter-member]').click()
  await page.keyboard.type(MEMBER_NAME)
  await pickOption(MEMBER_NAME)
  await page.waitForURL((u) => u.searchParams.get('member_id') === String(member.id))
  await rowsOf(wrong).waitFor()
  assert.match(await rowsOf(wrong).innerText(), /已驳回/)
  await logout()

  await login(COURT)
  await page.click('.el-menu-item:has-text("记录更正申请")')
  await page.locator('[data-test=filter-status]').click()
  await pickOption('待答复')
  await rowsOf(reason).locator('[data-test=open-record]').click()
  await page.waitForURL(new RegExp(`/volunteer-records/${courtRecord.id}$`))
  await page.locator('[data-test=request-decline]').click()
  await dialog().locator('textarea[data-test=field-reply]').fill('经核对签到签退记录，服务时长为 3 小时')
  await dialog().locator('[data-test=action-confirm]').click()
  await page.locator('.el-message', { hasText: '不予更正' }).waitFor()
  await page.locator('[data-test=requests] .el-table__row', { hasText: '经核对签到签退记录' }).waitFor()
  assert.match(await page.locator('[data-test=requests]').innerText(), /不予更正/)
  assert.equal(await page.locator('[data-test=request-decline]').count(), 0)
  await shot('request-declined')
  await logout()
})
