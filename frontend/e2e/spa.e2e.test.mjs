// End-to-end: the built SPA in Debian's Chromium against the real backend. Run by `npm test`.
import assert from 'node:assert/strict'
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, test } from 'node:test'
import { chromium } from 'playwright-core'
import { ADMIN_PASSWORD, CHROMIUM, FRONTEND, assertNoSideScroll, buildSpa, ensureChromium, signOut, startBackend } from './harness.mjs'

const SHOTS = join(FRONTEND, 'test-results', 'screenshots')
const COMMUNITY = '老虎头社区党委'
const UNIT = '黄石市中级人民法院机关党委'
const DESKTOP = { width: 1366, height: 768 }
const PHONE = { width: 390, height: 844 }

let backend
let context
let page
let profile
let communityAdminPassword = ''

before(async () => {
  ensureChromium()
  buildSpa()
  backend = await startBackend()
  profile = mkdtempSync(join(tmpdir(), 'gongjian-chromium-'))
  mkdirSync(SHOTS, { recursive: true })
  context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-quic',
      '--no-first-run',
      '--disable-sync',
    ],
    viewport: DESKTOP,
    locale: 'zh-CN',
    timezoneId: 'Asia/Shanghai',
  })
  context.setDefaultTimeout(15_000)
  page = context.pages()[0] ?? (await context.newPage())
  page.on('pageerror', (err) => console.error('page error:', err.message))
})

after(async () => {
  await context?.close()
  await backend?.stop()
  if (profile) rmSync(profile, { recursive: true, force: true })
})

const url = (path) => `${backend.baseUrl}${path}`
const shot = (name) => page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true })
const dialog = () => page.locator('.el-dialog:visible')
const rowsOf = (text) => page.locator('.el-table__body-wrapper tr.el-table__row', { hasText: text })

const noHorizontalScroll = (label) => assertNoSideScroll(page, label)

async function login(username, password) {
  await page.goto(url('/'))
  await page.waitForURL((u) => u.pathname === '/login')
  await page.fill('input[name=username]', username)
  await page.fill('input[name=password]', password)
  await page.click('button[type=submit]')
  await page.waitForSelector('[data-test=whoami]')
}

const logout = () => signOut(page)

/** Picks `name` in an organisation select (a remote search). */
async function pickOrg(selectLocator, name) {
  await selectLocator.click()
  await page.keyboard.type(name.slice(0, 4))
  await page.locator('.el-select-dropdown__item:visible', { hasText: name }).first().click()
}

async function createOrganization(name, kindLabel, code) {
  await page.click('[data-test=create]')
  const form = dialog().locator('[data-test=org-form]')
  await form.locator('input[name=name]').fill(name)
  await form.locator('label.el-radio', { hasText: kindLabel }).click()
  await form.locator('input[name=code]').fill(code)
  await form.locator('input[name=contact_person]').fill('王又明')
  await dialog().locator('[data-test=save]').click()
  await dialog().waitFor({ state: 'hidden' })
  await rowsOf(name).waitFor()
}

test('admin signs in and sees who is signed in', async () => {
  await page.goto(url('/organizations'))
  await page.waitForURL(/\/login\?redirect=/)
  await shot('01-login')
  await page.fill('input[name=username]', 'admin')
  await page.fill('input[name=password]', 'wrong-password')
  await page.click('button[type=submit]')
  await page.locator('.el-alert--error').waitFor()
  await page.fill('input[name=password]', ADMIN_PASSWORD)
  await page.click('button[type=submit]')
  // Back to the page that was asked for.
  await page.waitForURL((u) => u.pathname === '/organizations')
  await page.goto(url('/'))
  const who = page.locator('[data-test=whoami]')
  await who.waitFor()
  assert.match(await who.innerText(), /平台管理员/)
  await page.locator('[data-test=org-chart] canvas').waitFor()
  await noHorizontalScroll('home')
  await shot('02-home-admin')
})

test('admin creates a community and a unit organisation', async () => {
  await page.click('.el-menu-item:has-text("党组织")')
  await page.waitForURL(/\/organizations/)
  await createOrganization(COMMUNITY, '社区党组织', 'LHT')
  await createOrganization(UNIT, '驻区单位', 'HSZY')
  assert.equal(await page.locator('.el-table__body-wrapper tr.el-table__row').count(), 2)
  // Filters live in the URL: a kind filter survives a reload.
  await page.click('[data-test=filter-kind]')
  await page.locator('.el-select-dropdown__item:visible', { hasText: '驻区单位' }).click()
  await page.waitForURL(/kind=unit/)
  await page.reload()
  await rowsOf(UNIT).waitFor()
  assert.equal(await rowsOf(COMMUNITY).count(), 0)
  await page.goto(url('/organizations'))
  await rowsOf(COMMUNITY).waitFor()
  await noHorizontalScroll('organizations')
  await shot('03-organizations')
})

test('admin establishes a partnership between them', async () => {
  await page.click('.el-menu-item:has-text("共建关系")')
  await page.waitForURL(/\/partnerships/)
  await page.click('[data-test=create]')
  await pickOrg(dialog().locator('[data-test=unit-select]'), UNIT)
  await pickOrg(dialog().locator('[data-test=community-select]'), COMMUNITY)
  await dialog().locator('textarea').fill('市中院与老虎头社区共驻共建：送法进社区、结对帮扶困难群众。')
  await dialog().locator('[data-test=save]').click()
  await dialog().waitFor({ state: 'hidden' })
  const row = rowsOf(UNIT)
  await row.waitFor()
  assert.match(await row.innerText(), new RegExp(COMMUNITY))
  await noHorizontalScroll('partnerships')
  await shot('04-partnerships')
})

test('a server-side validation error shows on its form field; then the account is created', async () => {
  await page.click('.el-menu-item:has-text("账号管理")')
  await page.waitForURL(/\/users/)
  await page.click('[data-test=create]')
  const form = dialog().locator('[data-test=user-form]')
  await form.locator('input[name=username]').fill('lht_admin')
  await form.locator('input[name=display_name]').fill('老虎头社区管理员')
  await form.locator('[data-test=role-select]').click()
  await page.locator('.el-select-dropdown__item:visible', { hasText: '社区党组织管理员' }).click()
  // No organisation chosen: the form lets it through, the API refuses it and names the field.
  await dialog().locator('[data-test=save]').click()
  const fieldError = form.locator('[data-test=org-item] .el-form-item__error')
  await fieldError.waitFor()
  assert.equal((await fieldError.innerText()).trim(), '该角色必须指定所属党组织')
  await shot('05-user-field-error')
  await pickOrg(form.locator('[data-test=org-select]'), COMMUNITY)
  await dialog().locator('[data-test=save]').click()
  const secret = page.locator('[data-test=secret]:visible')
  await secret.waitFor()
  communityAdminPassword = (await secret.innerText()).trim()
  assert.ok(communityAdminPassword.length >= 8, 'a generated password is shown once')
  await shot('06-user-password-once')
  await page.locator('.el-dialog:visible button', { hasText: '我已记下' }).click()
  await rowsOf('lht_admin').waitFor()
  await noHorizontalScroll('users')
  await shot('07-users')
})

test('an expired access token is refreshed without leaving the page', async () => {
  await page.click('.el-menu-item:has-text("党组织")')
  await page.waitForURL((u) => u.pathname === '/organizations')
  // A reload reads the tokens from localStorage: the access token is now one the API refuses.
  await page.evaluate(() => localStorage.setItem('gongjian.access_token', 'expired.token.value'))
  const refreshed = page.waitForResponse((r) => r.url().endsWith('/api/v1/auth/refresh') && r.status() === 200)
  await page.reload()
  await refreshed
  await rowsOf(COMMUNITY).waitFor()
  assert.equal(new URL(page.url()).pathname, '/organizations')
  const token = await page.evaluate(() => localStorage.getItem('gongjian.access_token'))
  assert.notEqual(token, 'expired.token.value')
})

test('admin creates an API key (shown once) and reads the audit log', async () => {
  await page.click('.el-menu-item:has-text("API 密钥")')
  await page.waitForURL(/\/api-keys/)
  await page.click('[data-test=create]')
  await dialog().locator('input').first().fill('区党建平台同步')
  await dialog().locator('label.el-checkbox', { hasText: '读取党组织与共建关系' }).click()
  await dialog().locator('button', { hasText: '创建' }).click()
  const secret = page.locator('[data-test=secret]:visible')
  await secret.waitFor()
  assert.ok((await secret.innerText()).trim().length > 20)
  await page.locator('.el-dialog:visible button', { hasText: '我已记下' }).click()
  await rowsOf('区党建平台同步').waitFor()
  await noHorizontalScroll('api-keys')
  await shot('08-api-keys')

  await page.click('.el-menu-item:has-text("审计日志")')
  await page.waitForURL(/\/audit/)
  await rowsOf('党组织').first().waitFor()
  assert.ok((await page.locator('.el-table__body-wrapper tr.el-table__row').count()) >= 5)
  await noHorizontalScroll('audit')
  await shot('09-audit')
})

test('the community admin sees only its own organisation', async () => {
  await logout()
  await login('lht_admin', communityAdminPassword)
  assert.match(await page.locator('[data-test=whoami]').innerText(), new RegExp(COMMUNITY))
  const menu = await page.locator('[data-test="side-menu"]').innerText()
  assert.doesNotMatch(menu, /API 密钥|审计日志/)
  await shot('10-home-community-admin')
  await page.click('.el-menu-item:has-text("党组织")')
  await page.waitForURL((u) => u.pathname === '/organizations')
  await page.locator('.el-table__body-wrapper tr.el-table__row', { hasText: 'LHT' }).waitFor()
  assert.equal(await page.locator('.el-table__body-wrapper tr.el-table__row').count(), 1)
  assert.equal(await rowsOf(UNIT).count(), 0)
  // Pages beyond the role lead home.
  await page.goto(url('/audit'))
  await page.waitForURL((u) => u.pathname === '/')
})

test('at 390px the menu folds away and nothing scrolls sideways', async () => {
  await page.setViewportSize(PHONE)
  for (const path of ['/', '/organizations', '/partnerships', '/users']) {
    await page.goto(url(path))
    await page.locator('.el-main').waitFor()
    await page.waitForLoadState('networkidle')
    await noHorizontalScroll(`${path} at 390px`)
  }
  assert.equal(await page.locator('.el-aside').count(), 0)
  await shot('11-narrow-users')
  await page.goto(url('/organizations'))
  await rowsOf(COMMUNITY).waitFor()
  await shot('12-narrow-organizations')
  await page.click('.menu-toggle')
  await page.locator('.el-drawer .el-menu-item', { hasText: '共建关系' }).click()
  await page.waitForURL(/\/partnerships/)
  await rowsOf(UNIT).waitFor()
  await page.locator('.el-drawer').waitFor({ state: 'hidden' })
  await shot('13-narrow-partnerships')
  await page.setViewportSize(DESKTOP)
})
