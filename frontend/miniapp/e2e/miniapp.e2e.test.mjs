// End-to-end: the members' app as a phone opens it (the h5 build at /m/, Chromium at 390×844)
// against the real backend with the demo community 老虎头, using the SPA's harness.
// - a member logs in, signs up for an activity, checks in with its code; once the community admin
//   approves its record (through the API) 首页 shows the hours and the star level;
// - a new member account reports to the demo community with its 报到 code, the community admin
//   approves (API), and the member, signing in again, lands on 首页 with its profile.
// - a resident (login opened by the community admin) posts a concern with a photo, the community
//   admin resolves it (API), the resident sees the answer and rates it; it posts a wish and withdraws it.
// Screenshots of every screen land in $SHOTS (default test-results/screenshots).
import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { after, before, test } from 'node:test'
import { chromium } from 'playwright-core'
import { ADMIN_PASSWORD, DEMO_LOGINS, DEMO_PASSWORD, apiCall, apiToken, ensureChromium, launchBrowser, startBackend } from '../../e2e/harness.mjs'

const MINIAPP = resolve(import.meta.dirname, '..')
const SHOTS = process.env.SHOTS ?? join(MINIAPP, 'test-results', 'screenshots')
const PHONE = { width: 390, height: 844 }
const ADMIN = { username: 'admin', password: ADMIN_PASSWORD }
const LHT = { username: DEMO_LOGINS.community_admin, password: DEMO_PASSWORD }
const MEMBER = { username: DEMO_LOGINS.member, password: DEMO_PASSWORD }
const MEMBER_NAME = '陈立新'
const NEW_MEMBER = { username: 'e2e-new-member', password: 'Reporting-e2e-2026!' }
const NEW_NAME = '王报到'
const TITLE = '老虎头社区义诊志愿服务'

let backend
let context
let page
let profile
const pageErrors = []

function newestMtime(path) {
  const stat = statSync(path)
  if (!stat.isDirectory()) return stat.mtimeMs
  return Math.max(stat.mtimeMs, ...readdirSync(path).map((name) => newestMtime(join(path, name))))
}

/** Builds the h5 app unless its build is newer than every source. */
function buildH5() {
  const built = join(MINIAPP, 'dist', 'build', 'h5', 'index.html')
  const sources = ['src', '../packages/client/src', 'index.html', 'vite.config.ts', 'package.json'].map((p) => join(MINIAPP, p))
  if (existsSync(built) && statSync(built).mtimeMs > Math.max(...sources.map(newestMtime))) return
  execFileSync('npm', ['run', '--silent', 'build:h5'], { cwd: MINIAPP, stdio: ['ignore', 'ignore', 'inherit'] })
}

before(async () => {
  ensureChromium()
  buildH5()
  backend = await startBackend({ demo: true })
  profile = mkdtempSync(join(tmpdir(), 'gongjian-chromium-'))
  mkdirSync(SHOTS, { recursive: true })
  context = await launchBrowser(chromium, profile, PHONE)
  page = context.pages()[0] ?? (await context.newPage())
  page.on('pageerror', (err) => pageErrors.push(err.message))
  page.on('console', (msg) => {
    if (msg.type() === 'error' && /Content Security Policy|Refused/.test(msg.text())) pageErrors.push(msg.text())
  })
})

after(async () => {
  await context?.close()
  await backend?.stop()
  if (profile) rmSync(profile, { recursive: true, force: true })
  assert.deepEqual(pageErrors, [], 'no script errors and nothing refused by the CSP')
})

const url = (path) => `${backend.baseUrl}${path}`
const field = (label) => page.locator('.wd-input', { hasText: label }).locator('input')

/** A screenshot of the whole screen once no loading state is left. */
async function shot(name) {
  await page.waitForFunction(() => !document.querySelector('[data-test=loading-state]'))
  await page.waitForTimeout(400) // toasts and transitions settle
  await page.screenshot({ path: join(SHOTS, `miniapp-${name}.png`), fullPage: true })
}

async function signIn(user) {
  await page.goto(url('/m/'))
  await page.waitForURL((u) => u.pathname === '/m/pages/login/index')
  await field('用户名').fill(user.username)
  await field('密码').fill(user.password)
  await page.locator('[data-test=login-submit]').click()
  await page.waitForURL((u) => u.pathname === '/m/' || u.pathname === '/m/pages/home/index')
  await page.locator('[data-test=home]').waitFor()
}

/** Opens a wot picker and confirms its first choice (the popup slides in, so it is clicked once in place). */
async function pickFirst(name) {
  await page.locator(`[data-test=${name}]`).click()
  const done = page.locator(`[data-test=${name}] .wd-picker__action:not(.wd-picker__action--cancel)`)
  await done.waitFor()
  await page.waitForTimeout(800)
  await done.click({ force: true })
  await page.waitForFunction((n) => !document.querySelector(`[data-test=${n}]`)?.textContent?.includes('请选择'), name)
}

async function signOut() {
  await page.goto(url('/m/pages/mine/index'))
  await page.locator('[data-test=logout]').click()
  await page.locator('.uni-modal__btn_primary').click()
  await page.waitForURL((u) => u.pathname === '/m/pages/login/index')
}

test('/m/ is the members’ app, with its own CSP, and the API answers it', async () => {
  const response = await fetch(url('/m/pages/activities/detail?id=1'))
  assert.equal(response.status, 200)
  assert.match(await response.text(), /\/m\/assets\//)
  assert.match(response.headers.get('content-security-policy'), /img-src 'self' data: blob:/)
})

test('a member signs up, checks in with the code, and sees the approved hours and its stars on 首页', async () => {
  const lht = await apiToken(backend, LHT)
  const community = (await apiCall(backend, 'GET', '/me', lht)).organization_id
  const now = Date.now()
  const activity = await apiCall(backend, 'POST', '/activities', lht, {
    title: TITLE,
    kind: 'volunteer_service',
    community_org_id: community,
    starts_at: new Date(now + 30 * 60_000).toISOString(),
    ends_at: new Date(now + 150 * 60_000).toISOString(),
    location: '老虎头社区广场',
    capacity: 5,
    counts_hours: true,
    description: '为社区老人测血压、讲解常见病防治。',
  })
  await apiCall(backend, 'POST', `/activities/${activity.id}/open`, lht)
  const { code } = await apiCall(backend, 'GET', `/activities/${activity.id}/check-in-code`, lht)

  // Signed out, the app opens on the login screen; a wrong password is said in Chinese.
  await page.goto(url('/m/'))
  await page.waitForURL((u) => u.pathname === '/m/pages/login/index')
  await field('用户名').fill(MEMBER.username)
  await field('密码').fill('not-the-password')
  await page.locator('[data-test=login-submit]').click()
  await page.locator('[data-test=login-error]').waitFor()
  assert.match(await page.locator('[data-test=login-error]').innerText(), /[\u4e00-\u9fff]/)
  await shot('login-error')

  await signIn(MEMBER)
  await page.locator('[data-test=member-name]', { hasText: MEMBER_NAME }).waitFor()
  await shot('home-before')

  // 活动 → the new activity → 报名.
  await page.locator('.uni-tabbar__item', { hasText: '活动' }).click()
  await page.locator('[data-test=activity-item]', { hasText: TITLE }).waitFor()
  await shot('activities')
  await page.locator('[data-test=activity-item]', { hasText: TITLE }).click()
  await page.locator('[data-test=sign-up]').waitFor()
  await shot('activity-detail')
  await page.locator('[data-test=sign-up]').click()
  await page.locator('[data-test=standing]', { hasText: '已报名' }).waitFor()
  await page.locator('[data-test=cancel-signup]').waitFor()

  // A wrong code is refused on the field; the activity's code checks in.
  await field('签到码').fill('WRONG.CODE.AAAAAAAAAAAAAAAA')
  await page.locator('[data-test=check-in]').click()
  await page.locator('[data-test=code-error]').waitFor()
  await shot('check-in-refused')
  await field('签到码').fill(code)
  await page.locator('[data-test=check-in]').click()
  await page.locator('[data-test=standing]', { hasText: '已签到' }).waitFor()
  await shot('checked-in')

  // The platform admin enters the service in 老虎头's name; the community admin approves it.
  const admin = await apiToken(backend, ADMIN)
  const members = await apiCall(backend, 'GET', `/members?q=${encodeURIComponent(MEMBER_NAME)}`, admin)
  const member = members.items.find((m) => m.name === MEMBER_NAME)
  const record = await apiCall(backend, 'POST', '/volunteer-records', admin, {
    member_id: member.id,
    content: TITLE,
    location: '老虎头社区广场',
    started_at: new Date(now - 3 * 3600_000).toISOString(),
    ended_at: new Date(now - 30 * 60_000).toISOString(),
    hours: 2.5,
    organizer_org_id: community,
  })
  await apiCall(backend, 'POST', `/volunteer-records/${record.id}/approve`, lht, { note: '' })
  const overview = await apiCall(backend, 'GET', '/me/overview', await apiToken(backend, MEMBER))

  await page.goto(url('/m/pages/home/index'))
  await page.locator('[data-test=member-name]').waitFor()
  const shown = Number(await page.locator('[data-test=hours-this-year]').innerText())
  assert.equal(shown, overview.member.hours.this_year)
  assert.ok(shown >= 2.5, `this year's hours include the approved 2.5 (${shown})`)
  const stars = await page.locator('[data-test=stars]').innerText()
  assert.equal([...stars].filter((c) => c === '★').length, overview.member.hours.stars)
  assert.ok(await page.getByText(TITLE).count(), 'the upcoming sign-up is on 首页')
  await shot('home-after')

  // The other screens a member has, each shown once.
  await page.locator('.uni-tabbar__item', { hasText: '心愿' }).click()
  await page.locator('[data-test=wishes]').waitFor()
  await shot('wishes')
  if (await page.locator('[data-test=wish-item]').count()) {
    await page.locator('[data-test=wish-item]').first().click()
    await page.locator('[data-test=wish-detail]').waitFor()
    await shot('wish-detail')
    await page.goBack()
  }
  await page.locator('.uni-tabbar__item', { hasText: '我的' }).click()
  await page.locator('[data-test=mine-name]', { hasText: MEMBER_NAME }).waitFor()
  await shot('mine')
  for (const [path, name] of [
    ['/m/pages/mine/cards', 'cards'],
    ['/m/pages/mine/hours', 'hours'],
    ['/m/pages/mine/proofs', 'proofs'],
    ['/m/pages/records/index', 'records'],
    ['/m/pages/mine/password', 'password'],
  ]) {
    await page.goto(url(path))
    await page.locator(`[data-test=${name}]`).waitFor()
    await shot(name)
  }
  await signOut()
})

// A 32×32 red PNG: the photo a member takes of a fulfilled wish.
const PHOTO = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAACAAAAAgCAIAAAD8GO2jAAAALUlEQVR4nGM8ISbLQEvARFPTRy0YtWDUglELRi0YtWDUglELRi0YtWDUAioCAHL4ATuRrAdAAAAAAElFTkSuQmCC',
  'base64',
)

test('a member claims a wish and reports it fulfilled with a photo, which shows on the wish', async () => {
  await signIn(MEMBER)
  await page.locator('.uni-tabbar__item', { hasText: '心愿' }).click()
  const item = page.locator('[data-test=wish-item]').first()
  await item.waitFor()
  const content = (await item.locator('.content').innerText()).trim()
  await item.click()
  await page.locator('[data-test=claim]').click()
  await page.locator('[data-test=wish-status]', { hasText: '已认领' }).waitFor()
  await page.locator('[data-test=fulfil]').click()
  await page.locator('[data-test=fulfil-note] textarea').fill('已送去课外读物五本，孩子很高兴。')
  const chooser = page.waitForEvent('filechooser')
  await page.locator('[data-test=add-photo]').click()
  await (await chooser).setFiles({ name: 'books.png', mimeType: 'image/png', buffer: PHOTO })
  await shot('wish-fulfil-form')
  await page.locator('[data-test=fulfil-submit]').click()
  await page.locator('[data-test=wish-status]', { hasText: '已实现' }).waitFor()
  // The photo went up, was attached to the wish, and comes back (downloaded with the token).
  await page.waitForFunction(() => [...document.querySelectorAll('[data-test=wish-detail] img')].some((img) => img.src.startsWith('blob:')))
  await shot('wish-fulfilled')
  const lht = await apiToken(backend, LHT)
  const wishes = await apiCall(backend, 'GET', '/wishes?status=fulfilled&page_size=100&sort=-created_at', lht)
  const wish = wishes.items.find((w) => w.content === content && w.claimant_member?.name === MEMBER_NAME)
  assert.ok(wish, 'the community sees the wish fulfilled by the member')
  const photos = await apiCall(backend, 'GET', `/attachments?owner_kind=wish&owner_id=${wish.id}`, lht)
  assert.equal(photos.items.length, 1)
  assert.equal(photos.items[0].purpose, 'fulfilment')
  await signOut()
})

test('a new member reports to 老虎头 with its code; approved, it signs in and lands on 首页', async () => {
  const lht = await apiToken(backend, LHT)
  const community = (await apiCall(backend, 'GET', '/me', lht)).organization_id
  const { code } = await apiCall(backend, 'GET', `/organizations/${community}/report-code`, lht)
  // The code names the community and its partner units to anyone (the form offers them).
  const named = await (await fetch(url(`/api/v1/report-codes/${code}`))).json()
  assert.equal(named.community_org_id, community)
  assert.ok(named.units.length, '老虎头 has partner units')
  // On the mobile web a member needs an account, opened by an admin for its unit; it has no member profile yet.
  const admin = await apiToken(backend, ADMIN)
  await apiCall(backend, 'POST', '/users', admin, {
    username: NEW_MEMBER.username,
    display_name: NEW_NAME,
    role: 'member',
    organization_id: named.units[0].id,
    password: NEW_MEMBER.password,
  })

  await signIn(NEW_MEMBER)
  await page.locator('[data-test=needs-report]').waitFor()
  await shot('home-needs-report')
  await page.locator('[data-test=go-report]').click()
  await page.locator('[data-test=report]').waitFor()
  await field('报到码').fill('not-a-code')
  await page.locator('[data-test=use-code]').click()
  await page.locator('[data-test=code-error]').waitFor()
  await shot('report-code-refused')
  await field('报到码').fill(code)
  await page.locator('[data-test=use-code]').click()
  await page.locator('[data-test=report-community]', { hasText: '老虎头' }).waitFor()

  // Sent empty, every missing field says so.
  await page.locator('[data-test=report-submit]').click()
  await page.locator('.field-error', { hasText: '请填写姓名' }).waitFor()
  await shot('report-form-errors')
  await field('姓名').fill(NEW_NAME)
  await page.locator('.wd-radio', { hasText: '男' }).click()
  await field('手机号').fill('13700002222')
  // 党员类别: the first choice is 在职党员, who names a partner unit (the first one offered).
  await pickFirst('category')
  await page.locator('[data-test=unit] .wd-radio').first().click()
  await shot('report-form')
  await page.locator('[data-test=report-submit]').click()
  await page.locator('[data-test=report-submitted]', { hasText: '等待社区确认' }).waitFor()
  await shot('report-submitted')

  // Before approval, 首页 says it is waiting.
  await page.goto(url('/m/pages/home/index'))
  await page.locator('[data-test=report-pending]').waitFor()
  await shot('home-report-pending')

  const pending = await apiCall(backend, 'GET', '/reports?status=pending', lht)
  const mine = pending.items.find((r) => r.name === NEW_NAME)
  assert.ok(mine, 'the community admin sees the report')
  assert.equal(mine.category, 'in_service')
  assert.equal(mine.unit_org_id, named.units[0].id, 'the first partner unit offered was named')
  const approved = await apiCall(backend, 'POST', `/reports/${mine.id}/approve`, lht)
  assert.equal(approved.status, 'approved')

  await signOut()
  await signIn(NEW_MEMBER)
  await page.locator('[data-test=member-name]', { hasText: NEW_NAME }).waitFor()
  assert.match(await page.locator('.hero').innerText(), /老虎头/)
  await shot('home-new-member')
})

// A resident of 老虎头 (its login opened by the community admin, as on the mobile web).
const RESIDENT = { username: 'e2e-resident', password: 'Resident-e2e-2026!' }
const RESIDENT_NAME = '李居民'
const CONCERN_TITLE = '3 栋楼下路灯不亮'

test('a resident posts a concern with a photo; the community resolves it; the resident sees the answer and rates it', async () => {
  const lht = await apiToken(backend, LHT)
  await apiCall(backend, 'POST', '/residents', lht, {
    name: RESIDENT_NAME,
    mobile: '13700003333',
    building: '3 栋 2 单元',
    room: '502',
    username: RESIDENT.username,
    password: RESIDENT.password,
  })

  await signOut() // the new member of the test before
  await signIn(RESIDENT)
  await page.locator('[data-test=resident-name]', { hasText: RESIDENT_NAME }).waitFor()
  assert.match(await page.locator('.hero').innerText(), /老虎头/)
  await shot('resident-home-empty')

  // 活动 is for members: a resident is pointed to wishes and concerns.
  await page.locator('.uni-tabbar__item', { hasText: '活动' }).click()
  await page.locator('[data-test=activities-resident]').waitFor()
  await shot('resident-activities')

  // 反映 → 反映问题: sent empty, the missing fields say so.
  await page.locator('.uni-tabbar__item', { hasText: '反映' }).click()
  await page.locator('[data-test=concerns]').waitFor()
  await page.locator('[data-test=empty-state]').waitFor()
  await shot('resident-concerns-empty')
  await page.locator('[data-test=new-concern]').click()
  await page.locator('[data-test=post]').waitFor()
  await page.locator('[data-test=post-submit]').click()
  await page.locator('.field-error', { hasText: '请写下要反映的问题' }).waitFor()
  await page.locator('.field-error', { hasText: '请选择问题类别' }).waitFor()
  await shot('resident-concern-form-errors')

  await pickFirst('category')
  await field('问题').fill(CONCERN_TITLE)
  await field('地点').fill('3 栋楼下')
  await page.locator('[data-test=post-description] textarea').fill('一周了，晚上老人出门不方便。')
  const chooser = page.waitForEvent('filechooser')
  await page.locator('[data-test=add-photo]').click()
  await (await chooser).setFiles({ name: 'lamp.png', mimeType: 'image/png', buffer: PHOTO })
  await page.locator('[data-test=post] .tile img').waitFor()
  await shot('resident-concern-form')
  await page.locator('[data-test=post-submit]').click()

  // The detail: reported, the photo back through the token download, withdrawable until taken up.
  await page.locator('[data-test=concern-detail]').waitFor()
  await page.locator('[data-test=concern-status]', { hasText: '已反映' }).waitFor()
  await page.locator('[data-test=withdraw]').waitFor()
  await page.waitForFunction(() => [...document.querySelectorAll('[data-test=concern-photos] img')].some((img) => img.src.startsWith('blob:')))
  assert.equal(await page.locator('[data-test=rate-form]').count(), 0, 'nothing to rate before the answer')
  await shot('resident-concern-reported')
  const id = Number(new URL(page.url()).searchParams.get('id'))

  // The community admin takes it up and resolves it (the API, as the desk does).
  const seen = await apiCall(backend, 'GET', `/concerns/${id}`, lht)
  assert.equal(seen.title, CONCERN_TITLE)
  assert.equal(seen.reporter_kind, 'resident')
  const photos = await apiCall(backend, 'GET', `/attachments?owner_kind=concern&owner_id=${id}`, lht)
  assert.deepEqual(photos.items.map((p) => p.purpose), ['problem'])
  await apiCall(backend, 'POST', `/concerns/${id}/start`, lht, { note: '已受理，安排物业查看线路' })
  const resolved = await apiCall(backend, 'POST', `/concerns/${id}/resolve`, lht, { note: '路灯已更换，恢复照明' })
  assert.equal(resolved.status, 'resolved')

  // The resident sees each step with the answer, can no longer withdraw, and rates it.
  await page.reload()
  await page.locator('[data-test=concern-status]', { hasText: '已解决' }).waitFor()
  await page.locator('[data-test=progress]', { hasText: '路灯已更换，恢复照明' }).waitFor()
  assert.match(await page.locator('[data-test=progress]').innerText(), /已受理，安排物业查看线路/)
  assert.equal(await page.locator('[data-test=withdraw]').count(), 0)
  await page.locator('[data-test=rate-submit]').click()
  await page.locator('.field-error', { hasText: '请选择满意度' }).waitFor()
  await shot('resident-concern-resolved')
  await page.locator('[data-test=rate-stars] .wd-rate__item').nth(3).click()
  await page.locator('[data-test=rate-comment] textarea').fill('修得很快，谢谢社区')
  await page.locator('[data-test=rate-submit]').click()
  await page.locator('[data-test=rated]', { hasText: '修得很快，谢谢社区' }).waitFor()
  await shot('resident-concern-rated')
  const rated = await apiCall(backend, 'GET', `/concerns/${id}`, lht)
  assert.equal(rated.rating, 4)
  assert.equal(rated.rating_comment, '修得很快，谢谢社区')

  await page.goto(url('/m/pages/concerns/index'))
  await page.locator('[data-test=concern-item]', { hasText: CONCERN_TITLE }).waitFor()
  await shot('resident-concerns')

  // 首页 shows the concern resolved and rated.
  await page.goto(url('/m/pages/home/index'))
  await page.locator('[data-test=home-concern]', { hasText: CONCERN_TITLE }).waitFor()
  const row = await page.locator('[data-test=home-concern]').innerText()
  assert.match(row, /已解决/)
  assert.match(row, /已评价 4 分/)
  await shot('resident-home')
  await signOut()
})

test('a resident posts a wish and withdraws it before anyone claims it; its 我的 shows its register entry', async () => {
  await signIn(RESIDENT)
  await page.locator('.uni-tabbar__item', { hasText: '心愿' }).click()
  await page.locator('[data-test=new-wish]').waitFor()
  await shot('resident-wishes-empty')
  await page.locator('[data-test=new-wish]').click()
  await page.locator('[data-test=post]').waitFor()
  await page.locator('[data-test=kind] .wd-radio', { hasText: '服务类' }).click()
  await page.locator('[data-test=post-text] textarea').fill('想请人教我用智能手机挂号')
  await shot('resident-wish-form')
  await page.locator('[data-test=post-submit]').click()
  await page.locator('[data-test=wish-detail]').waitFor()
  await page.locator('[data-test=wish-status]', { hasText: '已提交' }).waitFor()
  await page.locator('[data-test=progress]', { hasText: '提交心愿' }).waitFor()
  await shot('resident-wish-detail')
  await page.locator('[data-test=withdraw]').click()
  await page.locator('.uni-modal__btn_primary').click()
  await page.locator('[data-test=wish-status]', { hasText: '已取消' }).waitFor()
  assert.equal(await page.locator('[data-test=withdraw]').count(), 0)
  await shot('resident-wish-withdrawn')

  await page.goto(url('/m/pages/wishes/index'))
  await page.locator('[data-test=wish-item]', { hasText: '智能手机' }).waitFor()
  await shot('resident-wishes')
  await page.locator('.uni-tabbar__item', { hasText: '我的' }).click()
  await page.locator('[data-test=resident-profile]', { hasText: '502' }).waitFor()
  await shot('resident-mine')
  // The web build has no WeChat to register with: the page says how a resident gets a login.
  await page.goto(url('/m/pages/resident/register'))
  await page.locator('[data-test=resident-register]', { hasText: '由所在社区开通' }).waitFor()
  await shot('resident-register-h5')
  await signOut()
})
