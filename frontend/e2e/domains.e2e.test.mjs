// End-to-end: the members, claim-list and micro-wish screens through the built SPA in Chromium,
// against the real backend. Data the flows don't click through is seeded with the API.
import assert from 'node:assert/strict'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, test } from 'node:test'
import { chromium } from 'playwright-core'
import { ADMIN_PASSWORD, FRONTEND, apiCall, assertNoSideScroll, buildSpa, ensureChromium, launchBrowser, signIn, signOut, startBackend } from './harness.mjs'

const SHOTS = join(FRONTEND, 'test-results', 'screenshots')
const COMMUNITY = { name: '东岳路社区党委', kind: 'community', code: 'DYL' }
const UNIT = { name: '黄石市司法局机关党委', kind: 'unit', code: 'SFJ' }
const COMMUNITY_ADMIN = { username: 'dyl_admin', password: 'Dyl-admin-2026' }
const UNIT_ADMIN = { username: 'sfj_admin', password: 'Sfj-admin-2026' }
const ITEM = '周末楼道环境整治志愿服务'
const WISH = '为独居老人更换一台电饭煲'

let backend
let context
let page
let profile
let files
let labels = {}

async function seed() {
  const form = new URLSearchParams({ username: 'admin', password: ADMIN_PASSWORD, grant_type: 'password' })
  const token = (await (await fetch(`${backend.baseUrl}/api/v1/auth/token`, { method: 'POST', body: form })).json()).access_token
  const community = await apiCall(backend, 'POST', '/organizations', token, COMMUNITY)
  const unit = await apiCall(backend, 'POST', '/organizations', token, UNIT)
  await apiCall(backend, 'POST', '/users', token, { ...COMMUNITY_ADMIN, display_name: '东岳路社区管理员', role: 'community_admin', organization_id: community.id })
  await apiCall(backend, 'POST', '/users', token, { ...UNIT_ADMIN, display_name: '司法局党建专员', role: 'unit_admin', organization_id: unit.id })
  await apiCall(backend, 'POST', '/partnerships', token, { unit_org_id: unit.id, community_org_id: community.id, start_date: '2026-01-01' })
  const item = await apiCall(backend, 'POST', '/service-items', token, {
    title: ITEM,
    description: '每月最后一个周六上午，清理楼道堆放杂物、张贴消防安全提示。',
    category: 'volunteer',
    provider_org_id: community.id,
    capacity: 2,
  })
  await apiCall(backend, 'POST', `/service-items/${item.id}/publish`, token)
  const enums = await apiCall(backend, 'GET', '/meta/enums', token)
  labels = Object.fromEntries(enums.enums.map((e) => [e.name, Object.fromEntries(e.values.map((v) => [v.code, v.label]))]))
}

before(async () => {
  ensureChromium()
  buildSpa()
  backend = await startBackend({ reference: true })
  await seed()
  profile = mkdtempSync(join(tmpdir(), 'gongjian-chromium-'))
  files = mkdtempSync(join(tmpdir(), 'gongjian-files-'))
  mkdirSync(SHOTS, { recursive: true })
  context = await launchBrowser(chromium, profile)
  page = context.pages()[0] ?? (await context.newPage())
  page.on('pageerror', (err) => console.error('page error:', err.message))
})

after(async () => {
  await context?.close()
  await backend?.stop()
  for (const dir of [profile, files]) if (dir) rmSync(dir, { recursive: true, force: true })
})

const url = (path) => `${backend.baseUrl}${path}`
/** A screenshot once dialogs and message boxes have closed, the page scrolled to its top. */
async function shot(name, { keepDialogs = false } = {}) {
  if (!keepDialogs) await page.waitForFunction(() => !document.querySelector('.el-overlay:not([style*="display: none"])'))
  await page.evaluate(() => document.querySelector('.el-main')?.scrollTo(0, 0))
  await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true })
}
const dialog = () => page.locator('.el-dialog:visible')
const rowsOf = (text) => page.locator('.el-table__body-wrapper tr.el-table__row', { hasText: text })
const confirmBox = () => page.locator('.el-message-box__btns button.el-button--primary').click()
const pickOption = (text) => page.locator('.el-select-dropdown__item:visible', { hasText: text }).first().click()

const noHorizontalScroll = (label) => assertNoSideScroll(page, label)

const login = ({ username, password }) => signIn(page, backend.baseUrl, username, password)

const logout = () => signOut(page)

/** Fills the ActionDialog field `key` (text or textarea). */
// Element Plus puts the input's attributes on the <input>/<textarea> itself.
const fillField = (key, value) => dialog().locator(`:is(input, textarea)[data-test=field-${key}]`).fill(value)

test('community admin: creates a member, adds points and sees the balance, imports a CSV', async () => {
  await login(COMMUNITY_ADMIN)
  const menu = await page.locator('[data-test="side-menu"]').innerText()
  assert.match(menu, /党员管理/)
  assert.match(menu, /微心愿/)
  await page.click('.el-menu-item:has-text("党员管理")')
  await page.waitForURL(/\/members/)
  await page.click('[data-test=create]')
  const form = dialog().locator('[data-test=member-form]')
  await form.locator('input[name=name]').fill('刘桂芳')
  await form.locator('label.el-radio', { hasText: '女' }).click()
  await form.locator('[data-test=category-select]').click()
  await pickOption(labels.member_category.retired)
  await form.locator('input[name=phone]').fill('13907141234')
  // The community is preset to the admin's own; save.
  await dialog().locator('[data-test=save]').click()
  await dialog().waitFor({ state: 'hidden' })
  await rowsOf('刘桂芳').waitFor()
  await noHorizontalScroll('members')
  await shot('20-members')

  await rowsOf('刘桂芳').locator('a', { hasText: '刘桂芳' }).click()
  await page.waitForURL(/\/members\/\d+/)
  await page.locator('[data-test=profile]').waitFor()
  assert.match(await page.locator('[data-test=profile]').innerText(), /13907141234/)
  const balance = page.locator('[data-test=points-balance]')
  await balance.waitFor()
  assert.match(await balance.innerText(), /积分余额：0/)
  await page.click('[data-test=add-entry]')
  await fillField('points', '10')
  await fillField('reason', '参加社区重阳节敬老志愿服务')
  await dialog().locator('[data-test=action-confirm]').click()
  await dialog().waitFor({ state: 'hidden' })
  await page.waitForFunction(() => /积分余额：10/.test(document.querySelector('[data-test=points-balance]')?.textContent ?? ''))
  await rowsOf('重阳节').waitFor()
  // A reversal adds an offsetting entry and brings the balance back.
  await page.click('[data-test=reverse]')
  await confirmBox()
  await page.waitForFunction(() => /积分余额：0/.test(document.querySelector('[data-test=points-balance]')?.textContent ?? ''))
  await rowsOf('冲正第').waitFor()
  await noHorizontalScroll('member detail')
  await shot('21-member-detail')

  // Import: one bad row (unknown category) rejects the whole file and is listed by line.
  await page.goto(url('/members'))
  const header = '姓名,性别,出生日期,手机号码,入党日期,党员类别,工作单位党组织,报到社区,报到日期,技能特长,志愿者编号'
  const bad = join(files, 'bad.csv')
  writeFileSync(bad, `${header}\n王建国,男,1955-03-02,,1978-07-01,离退休党员,,DYL,2024-03-01,书法,\n李秀英,女,1960-08-15,,1985-07-01,退休干部,,DYL,,,\n`)
  await page.click('[data-test=import]')
  await dialog().locator('[data-test=import-file]').setInputFiles(bad)
  const errors = dialog().locator('[data-test=import-errors] tr.el-table__row')
  await errors.first().waitFor()
  assert.equal(await errors.count(), 1)
  const error = await errors.first().innerText()
  assert.match(error, /第 3 行/)
  assert.match(error, /党员类别/)
  assert.ok(await dialog().locator('[data-test=import-confirm]').isDisabled())
  await shot('22-import-errors', { keepDialogs: true })
  const good = join(files, 'good.csv')
  writeFileSync(good, `${header}\n王建国,男,1955-03-02,,1978-07-01,离退休党员,,DYL,2024-03-01,书法,\n李秀英,女,1960-08-15,,1985-07-01,离退休党员,,DYL,,,\n`)
  await dialog().locator('[data-test=import-file]').setInputFiles(good)
  await dialog().locator('[data-test=import-checked]').waitFor()
  await dialog().locator('[data-test=import-confirm]').click()
  await dialog().waitFor({ state: 'hidden' })
  await rowsOf('李秀英').waitFor()
  await rowsOf('王建国').waitFor()
})

test('community admin: a column hidden in 列设置 stays hidden after a reload, until 恢复默认', async () => {
  await page.goto(url('/members'))
  await rowsOf('刘桂芳').waitFor()
  const headers = () => page.locator('.el-table__header-wrapper th').allInnerTexts()
  const phoneShown = () => page.evaluate(() => [...document.querySelectorAll('.el-table__header-wrapper th')].some((th) => th.textContent.includes('手机号')))
  assert.ok(await phoneShown(), 'the phone column shows by default')
  assert.match(await rowsOf('刘桂芳').innerText(), /13907141234/)

  await page.click('[data-test=column-settings]')
  const choices = page.locator('[data-test=column-choices]:visible')
  await choices.waitFor()
  // 姓名 opens the member: it is always shown, so not offered.
  assert.equal(await choices.locator('[data-test=column-name]').count(), 0)
  assert.equal(await choices.locator('label.el-checkbox').count(), 8)
  await choices.locator('[data-test=column-phone]').click()
  await page.waitForFunction(() => ![...document.querySelectorAll('.el-table__header-wrapper th')].some((th) => th.textContent.includes('手机号')))
  await noHorizontalScroll('members with column settings open')
  await shot('20b-members-column-settings', { keepDialogs: true })

  // Remembered in this browser: a reload keeps it hidden, and only it.
  await page.reload()
  await rowsOf('刘桂芳').waitFor()
  assert.equal(await phoneShown(), false, 'the hidden column stays hidden after a reload')
  const after = await headers()
  for (const kept of ['姓名', '性别', '类别', '报到社区', '状态']) assert.ok(after.some((h) => h.includes(kept)), `${kept} still shown (${after})`)
  assert.doesNotMatch(await rowsOf('刘桂芳').innerText(), /13907141234/)

  // 恢复默认 brings every column back, and that too survives a reload.
  await page.click('[data-test=column-settings]')
  await page.locator('[data-test=column-reset]:visible').click()
  await page.waitForFunction(() => [...document.querySelectorAll('.el-table__header-wrapper th')].some((th) => th.textContent.includes('手机号')))
  await page.reload()
  await rowsOf('刘桂芳').waitFor()
  assert.ok(await phoneShown(), 'shown again after 恢复默认 and a reload')
})

test('community admin: registers a wish, verifies and publishes it', async () => {
  await page.click('.el-menu-item:has-text("微心愿")')
  await page.waitForURL(/\/wishes/)
  await page.click('[data-test=create-wish]')
  await fillField('resident_name', '陈玉兰')
  await fillField('content', WISH)
  await dialog().locator('[data-test=field-kind]').click()
  await pickOption(labels.wish_kind.goods)
  await fillField('estimated_value', '200')
  await dialog().locator('[data-test=action-confirm]').click()
  await dialog().waitFor({ state: 'hidden' })
  const row = rowsOf(WISH)
  await row.waitFor()
  await row.locator('[data-test=wish-verify]').click()
  await confirmBox()
  await row.locator('[data-test=wish-status]', { hasText: labels.wish_status.verified }).waitFor()
  await row.locator('[data-test=wish-publish]').click()
  await confirmBox()
  await row.locator('[data-test=wish-status]', { hasText: labels.wish_status.published }).waitFor()
  assert.equal(await row.locator('[data-test=wish-claim]').count(), 0, 'the community does not claim its own wish')
})

test('unit admin: claims the need on the board, starts and completes it; claims and fulfils the wish', async () => {
  await logout()
  await login(UNIT_ADMIN)
  await page.click('.el-menu-item:has-text("双向认领清单")')
  await page.waitForURL(/\/claim-board/)
  await page.locator('[data-test=category-tabs] .el-tabs__item', { hasText: labels.service_category?.volunteer ?? '志愿服务' }).click()
  await page.waitForURL(/category=volunteer/)
  const card = page.locator('[data-item]', { hasText: ITEM })
  await card.waitFor()
  assert.match(await card.locator('[data-test=capacity]').innerText(), /已认领 0 \/ 2.*空余 2/)
  await card.locator('[data-test=claim]').click()
  await fillField('note', '组织 6 名党员志愿者参加')
  await dialog().locator('[data-test=action-confirm]').click()
  await dialog().waitFor({ state: 'hidden' })
  await page.waitForFunction((title) => {
    const el = [...document.querySelectorAll('[data-item]')].find((e) => e.textContent.includes(title))
    return /已认领 1 \/ 2.*空余 1/.test(el?.querySelector('[data-test=capacity]')?.textContent ?? '')
  }, ITEM)
  // One active claim per organisation and item: no second claim button, though places are left.
  await card.getByText('本组织已认领').waitFor()
  assert.equal(await card.locator('[data-test=claim]').count(), 0)
  await noHorizontalScroll('claim board')
  await shot('23-claim-board')

  await page.click('.el-menu-item:has-text("认领管理")')
  await page.waitForURL(/\/claims/)
  const claim = rowsOf(ITEM)
  await claim.waitFor()
  assert.equal(await claim.locator('[data-test=claim-verify]').count(), 0, 'the claimant does not verify')
  await claim.locator('[data-test=claim-start]').click()
  await confirmBox()
  await claim.locator('[data-test=claim-complete]').waitFor()
  await claim.locator('[data-test=claim-complete]').click()
  await fillField('report', '清理楼道 12 处，张贴消防提示 40 张')
  await dialog().locator('[data-test=action-confirm]').click()
  await dialog().waitFor({ state: 'hidden' })
  await claim.filter({ hasText: labels.claim_status.completed }).waitFor()
  await shot('24-my-claims')

  await page.click('.el-menu-item:has-text("微心愿")')
  await page.waitForURL(/\/wishes/)
  const wish = rowsOf(WISH)
  await wish.locator('[data-test=wish-claim]').click()
  await confirmBox()
  await wish.locator('[data-test=wish-status]', { hasText: labels.wish_status.claimed }).waitFor()
  await wish.locator('[data-test=wish-fulfil]').click()
  await fillField('note', '已购置电饭煲并上门送达、教会使用')
  await fillField('photo_url', 'https://example.org/photos/wish-1.jpg')
  await dialog().locator('[data-test=action-confirm]').click()
  await dialog().waitFor({ state: 'hidden' })
  await wish.locator('[data-test=wish-status]', { hasText: labels.wish_status.fulfilled }).waitFor()
})

test('community admin: verifies the claim with a rating and closes the wish after follow-up', async () => {
  await logout()
  await login(COMMUNITY_ADMIN)
  await page.goto(url('/claims?scope=received'))
  const claim = rowsOf(ITEM)
  await claim.waitFor()
  await claim.locator('[data-test=claim-verify]').click()
  await dialog().locator('.el-rate__item').nth(4).click()
  await fillField('comment', '组织有力，楼道面貌明显改善')
  await dialog().locator('[data-test=action-confirm]').click()
  await dialog().waitFor({ state: 'hidden' })
  await claim.filter({ hasText: labels.claim_status.verified }).waitFor()
  assert.match(await claim.innerText(), /★★★★★/)
  await noHorizontalScroll('claims')
  await shot('25-claims-verified')

  await page.click('.el-menu-item:has-text("微心愿")')
  const wish = rowsOf(WISH)
  await wish.locator('[data-test=wish-close]').click()
  await fillField('feedback', '回访：老人很满意，已能熟练使用')
  await dialog().locator('[data-test=action-confirm]').click()
  await dialog().waitFor({ state: 'hidden' })
  await wish.locator('[data-test=wish-status]', { hasText: labels.wish_status.closed }).waitFor()
  assert.equal(await wish.locator('button[data-test^=wish-]').count(), 0, 'a closed wish offers no more steps')
  await noHorizontalScroll('wishes')
  await shot('26-wishes')
})

test('at 390px the new screens do not scroll sideways', async () => {
  await page.setViewportSize({ width: 390, height: 844 })
  for (const path of ['/members', '/claim-board?category=volunteer', '/claims', '/wishes']) {
    await page.goto(url(path))
    await page.locator('.el-main').waitFor()
    await page.waitForLoadState('networkidle')
    await noHorizontalScroll(`${path} at 390px`)
  }
  await shot('27-narrow-wishes')
  await page.goto(url('/claim-board?category=volunteer'))
  await page.locator('[data-item]').first().waitFor()
  await shot('28-narrow-board')
})
