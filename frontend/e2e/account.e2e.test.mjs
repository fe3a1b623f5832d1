// End-to-end, against the demo community 老虎头, at 1440×900 and 390×844: the community admin
// confirms 报到 reports (one, then several at once) and returns one with a reason; every role
// changes its own password (the server's refusals on their fields); and an account linked to a
// member's record in the member form then sees that record as 我的档案, with its own records.
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, test } from 'node:test'
import { chromium } from 'playwright-core'
import { ADMIN_PASSWORD, DEMO_LOGINS, DEMO_PASSWORD, apiCall, apiToken, assertNoSideScroll, buildSpa, ensureChromium, launchBrowser, signIn, signOut, startBackend } from './harness.mjs'

const ADMIN = { username: 'admin', password: ADMIN_PASSWORD }
const LHT = { username: DEMO_LOGINS.community_admin, password: DEMO_PASSWORD }
const VIEWPORTS = [
  { name: 'desktop', width: 1440, height: 900 },
  { name: 'phone', width: 390, height: 844 },
]
const MEMBER_PASSWORD = 'Member-Passw0rd-e2e'

let backend
let admin
let lht
let community
let reportCode
const profiles = []

before(async () => {
  ensureChromium()
  buildSpa()
  backend = await startBackend({ demo: true })
  admin = await apiToken(backend, ADMIN)
  lht = await apiToken(backend, LHT)
  community = (await apiCall(backend, 'GET', '/me', lht)).organization_id
  reportCode = (await apiCall(backend, 'GET', `/organizations/${community}/report-code`, lht)).code
})

after(async () => {
  await backend?.stop()
  for (const p of profiles) rmSync(p, { recursive: true, force: true })
})

async function browser(viewport) {
  const profile = mkdtempSync(join(tmpdir(), 'gongjian-chromium-'))
  profiles.push(profile)
  const context = await launchBrowser(chromium, profile, { width: viewport.width, height: viewport.height })
  const page = context.pages()[0] ?? (await context.newPage())
  page.on('pageerror', (err) => console.error('page error:', err.message))
  return { context, page }
}

let accounts = 0
/** A member-role account of the community; `{ id, username, password, name }`. */
async function memberAccount(name) {
  const username = `e2e-member-${++accounts}`
  const user = await apiCall(backend, 'POST', '/users', admin, { username, display_name: name, role: 'member', organization_id: community, password: MEMBER_PASSWORD })
  return { id: user.id, username, password: MEMBER_PASSWORD, name }
}

async function reportAs(account, mobile) {
  const token = await apiToken(backend, account)
  return apiCall(backend, 'POST', '/reports', token, { code: reportCode, name: account.name, gender: 'male', mobile, category: 'retired', skills: ['书法'] })
}

const confirmBox = (page) => page.locator('.el-message-box__btns button.el-button--primary').click()
/** A report's row (table) or card (phone) by the reporter's name. */
const reportItem = (page, name) => page.locator('[data-test=reports] tr.el-table__row, [data-test=reports] .report-card').filter({ hasText: name })

for (const [i, viewport] of VIEWPORTS.entries()) {
  test(`${viewport.name}: the community admin confirms 报到 one by one and in a batch, and returns one with a reason`, async () => {
    const names = ['赵', '钱', '孙', '李'].map((s) => `${s}报到${i}`)
    const reports = []
    for (const [j, name] of names.entries()) reports.push(await reportAs(await memberAccount(name), `1380000${i}${j}00`))
    const { context, page } = await browser(viewport)
    try {
      await signIn(page, backend.baseUrl, LHT.username, LHT.password)
      await page.goto(`${backend.baseUrl}/reports?status=pending`)
      await page.locator('[data-test=report-code-qr]').waitFor()
      for (const name of names) await reportItem(page, name).waitFor()
      await assertNoSideScroll(page, `reports at ${viewport.width}px`)

      // One, confirmed: the member record exists and the report says so.
      await reportItem(page, names[0]).locator('[data-test=approve]').click()
      await confirmBox(page)
      await reportItem(page, names[0]).waitFor({ state: 'detached' })
      const first = await apiCall(backend, 'GET', `/reports/${reports[0].id}`, lht)
      assert.equal(first.status, 'approved')
      assert.ok(first.member_id, 'a member record is linked or created')

      // One returned, with the reason the reporter will read.
      await reportItem(page, names[1]).locator('[data-test=reject]').click()
      const dialog = page.locator('.el-dialog:visible')
      await dialog.locator('[data-test=action-confirm]').click()
      await dialog.locator('.el-form-item__error').waitFor() // the reason is required
      await dialog.locator('textarea').fill('手机号与单位登记不一致，请核对后重新报到')
      await dialog.locator('[data-test=action-confirm]').click()
      await dialog.waitFor({ state: 'hidden' })
      await reportItem(page, names[1]).waitFor({ state: 'detached' })
      const second = await apiCall(backend, 'GET', `/reports/${reports[1].id}`, lht)
      assert.deepEqual([second.status, second.reason], ['rejected', '手机号与单位登记不一致，请核对后重新报到'])

      // The other two at once.
      for (const name of names.slice(2)) await reportItem(page, name).locator('.el-checkbox').click()
      await page.locator('[data-test=batch-approve]', { hasText: '2' }).click()
      await confirmBox(page)
      for (const name of names.slice(2)) await reportItem(page, name).waitFor({ state: 'detached' })
      for (const r of reports.slice(2)) assert.equal((await apiCall(backend, 'GET', `/reports/${r.id}`, lht)).status, 'approved')

      // Confirmed ones are listed under 已确认, with their member record a click away.
      await page.goto(`${backend.baseUrl}/reports?status=approved`)
      await reportItem(page, names[0]).waitFor()
      assert.match(await reportItem(page, names[0]).innerText(), /已确认/)
    } finally {
      await context.close()
    }
  })

  test(`${viewport.name}: every role changes its own password; the server's refusals land on their fields`, async () => {
    const member = await memberAccount(`改密${i}`)
    const court = { username: `e2e-court-${i}`, password: 'Court-Passw0rd-e2e' }
    const { organization_id: courtOrg } = await apiCall(backend, 'GET', '/me', await apiToken(backend, { username: DEMO_LOGINS.unit_admin, password: DEMO_PASSWORD }))
    await apiCall(backend, 'POST', '/users', admin, { username: court.username, display_name: `法院管理员${i}`, role: 'unit_admin', organization_id: courtOrg, password: court.password })
    const platform = { username: `e2e-admin-${i}`, password: 'Platform-Passw0rd-e2e' }
    await apiCall(backend, 'POST', '/users', admin, { username: platform.username, display_name: `平台管理员${i}`, role: 'admin', password: platform.password })
    const { context, page } = await browser(viewport)
    try {
      for (const who of [member, court, platform]) {
        await signIn(page, backend.baseUrl, who.username, who.password)
        await page.click('[data-test=user-menu]')
        await page.click('[data-test=account]:visible')
        await page.waitForURL((u) => u.pathname === '/account')
        const form = page.locator('[data-test=password-form]')
        const itemError = (name) => form.locator('.el-form-item', { has: page.locator(`input[name=${name}]`) }).locator('.el-form-item__error')
        // The wrong current password: said on that field, by the server.
        await form.locator('input[name=current_password]').fill('not-my-password')
        await form.locator('input[name=new_password]').fill('Fresh-Passw0rd-2024')
        await form.locator('input[name=confirm]').fill('Fresh-Passw0rd-2024')
        await page.click('[data-test=save-password]')
        await itemError('current_password').waitFor()
        assert.equal((await itemError('current_password').innerText()).trim(), '当前密码不正确')
        // Too short: the server's rule, on the new password's field (the SPA keeps no copy of it).
        await form.locator('input[name=current_password]').fill(who.password)
        await form.locator('input[name=new_password]').fill('short')
        await form.locator('input[name=confirm]').fill('short')
        await page.click('[data-test=save-password]')
        await itemError('new_password').waitFor()
        assert.match(await itemError('new_password').innerText(), /10/)
        await assertNoSideScroll(page, `account at ${viewport.width}px`)
        // Accepted: the session carries on; the new password signs in, the old one no longer does.
        const fresh = `Changed-${who.username}-Pw1`
        await form.locator('input[name=new_password]').fill(fresh)
        await form.locator('input[name=confirm]').fill(fresh)
        await page.click('[data-test=save-password]')
        await page.locator('.el-message--success', { hasText: '密码已修改' }).waitFor()
        await page.goto(`${backend.baseUrl}/`)
        await page.locator('[data-test=whoami]').waitFor()
        await signOut(page)
        const old = await fetch(`${backend.baseUrl}/api/v1/auth/token`, { method: 'POST', body: new URLSearchParams({ username: who.username, password: who.password, grant_type: 'password' }) })
        assert.equal(old.status, 401, `${who.username}: the old password is refused`)
        await signIn(page, backend.baseUrl, who.username, fresh)
        await signOut(page)
      }
    } finally {
      await context.close()
    }
  })

  test(`${viewport.name}: an account linked to a member's record sees 我的档案 and its own records`, async () => {
    const name = `关联党员${i}`
    const account = await memberAccount(name)
    const member = await apiCall(backend, 'POST', '/members', lht, { name, gender: 'female', category: 'retired', community_org_id: community })
    await apiCall(backend, 'POST', `/members/${member.id}/community-records`, lht, { occurred_on: '2024-05-04', kind: 'commendation', description: `${name}协助组织社区读书会` })
    const ended = new Date(Date.now() - 2 * 24 * 3600e3)
    await apiCall(backend, 'POST', '/volunteer-records', lht, { member_id: member.id, content: `${name}参加社区环境整治`, started_at: new Date(ended.getTime() - 3 * 3600e3).toISOString(), ended_at: ended.toISOString(), hours: 3 })

    const { context, page } = await browser(viewport)
    try {
      // Before linking, the account has no record of its own.
      await signIn(page, backend.baseUrl, account.username, account.password)
      const menu = async () => (await page.locator('.el-menu').first().evaluate((el) => el.textContent)) ?? ''
      await page.goto(`${backend.baseUrl}/me/profile`)
      await page.locator('[data-test=not-linked]').waitFor()
      await signOut(page)

      // The community admin links it in the member form.
      await signIn(page, backend.baseUrl, LHT.username, LHT.password)
      await page.goto(`${backend.baseUrl}/members/${member.id}`)
      await page.locator('[data-test=login-link]', { hasText: '未关联' }).waitFor()
      await page.click('[data-test=edit]')
      const dialog = page.locator('.el-dialog:visible')
      await dialog.locator('[data-test=user-select]').click()
      await page.keyboard.type(account.username)
      await page.locator('.el-select-dropdown__item:visible', { hasText: account.username }).click()
      await dialog.locator('[data-test=save]').click()
      await dialog.waitFor({ state: 'hidden' })
      await page.locator('[data-test=login-link]', { hasText: '已关联' }).waitFor()
      assert.equal((await apiCall(backend, 'GET', `/members/${member.id}`, lht)).user_id, account.id)
      await signOut(page)

      // The member signs in: its home, 我的档案 in its menu (and no organisation management), its records.
      await signIn(page, backend.baseUrl, account.username, account.password)
      await page.locator('[data-test=my-day]').waitFor()
      if (viewport.width < 768) await page.click('.menu-toggle')
      await page.locator('.el-menu-item', { hasText: '我的档案' }).first().waitFor()
      const items = await menu()
      assert.doesNotMatch(items, /党组织|共建关系|党员管理/, 'a member manages no organisations')
      await page.locator('.el-menu-item', { hasText: '我的档案' }).first().click()
      await page.waitForURL((u) => u.pathname === '/me/profile')
      await page.locator('[data-test=profile]').waitFor()
      assert.match(await page.locator('.el-main').innerText(), new RegExp(name))
      await page.locator('.el-tabs__item', { hasText: '社区表现记录（1）' }).click()
      await page.locator('[data-test=records]', { hasText: '协助组织社区读书会' }).waitFor()
      await assertNoSideScroll(page, `my profile at ${viewport.width}px`)
      await page.goto(`${backend.baseUrl}/volunteer-records`)
      await page.locator('[data-test=records]', { hasText: `${name}参加社区环境整治` }).waitFor()
      const mine = await apiCall(backend, 'GET', '/volunteer-records', await apiToken(backend, account))
      assert.equal(mine.total, 1, 'the member sees its own record and no one else’s')
    } finally {
      await context.close()
    }
  })
}
