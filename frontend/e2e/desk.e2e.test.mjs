// End-to-end: each role's desk (待办) on the home page, against the demo community 老虎头 with an
// open evaluation period and two pending 报到 reports: every count equals `GET /me/overview`, and
// each opens its list, filtered so that the list's total is that count. At 1440×900 and 390×844.
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, test } from 'node:test'
import { chromium } from 'playwright-core'
import { ADMIN_PASSWORD, DEMO_LOGINS, DEMO_PASSWORD, apiCall, apiToken, assertNoSideScroll, buildSpa, ensureChromium, launchBrowser, signIn, signOut, startBackend } from './harness.mjs'

const ADMIN = { username: 'admin', password: ADMIN_PASSWORD }
const LHT = { username: DEMO_LOGINS.community_admin, password: DEMO_PASSWORD }
const COURT = { username: DEMO_LOGINS.unit_admin, password: DEMO_PASSWORD }
const MEMBER = { username: DEMO_LOGINS.member, password: DEMO_PASSWORD }
const VIEWPORTS = [
  { width: 1440, height: 900 },
  { width: 390, height: 844 },
]
/** The list each count opens: its path and the filter it must carry. */
const OPENS = {
  pending_reports: { path: '/reports', query: { status: 'pending' } },
  records_to_approve: { path: '/volunteer-records', query: { status: 'pending' } },
  wishes_to_verify: { path: '/wishes', query: { status: 'submitted' } },
  overdue_tasks: { path: '/tasks', query: { status: 'overdue' } },
  overdue_concerns: { path: '/concerns', query: { overdue: 'true' } },
  unscored_evaluations: { path: /^\/evaluation-periods\/\d+$/, query: { unscored: 'true' } },
}

let backend
const profiles = []

before(async () => {
  ensureChromium()
  buildSpa()
  backend = await startBackend({ demo: true })
  const admin = await apiToken(backend, ADMIN)
  const period = await apiCall(backend, 'POST', '/evaluation-periods', admin, { name: '2017年度党员双向考评', start_date: '2017-01-01', end_date: '2017-12-31' })
  await apiCall(backend, 'POST', `/evaluation-periods/${period.id}/open`, admin)
  // Two member accounts report to the community (one to be confirmed in another test file's way).
  const lht = await apiToken(backend, LHT)
  const me = await apiCall(backend, 'GET', '/me', lht)
  const { code } = await apiCall(backend, 'GET', `/organizations/${me.organization_id}/report-code`, lht)
  for (const [i, name] of ['张报到', '李报到'].entries()) {
    const password = 'Reporter-Passw0rd-1'
    await apiCall(backend, 'POST', '/users', admin, { username: `reporter${i}`, display_name: name, role: 'member', organization_id: me.organization_id, password })
    const token = await apiToken(backend, { username: `reporter${i}`, password })
    await apiCall(backend, 'POST', '/reports', token, { code, name, gender: 'female', mobile: `1390000222${i}`, category: 'retired', skills: [] })
  }
})

after(async () => {
  await backend?.stop()
  for (const p of profiles) rmSync(p, { recursive: true, force: true })
})

async function browser(viewport) {
  const profile = mkdtempSync(join(tmpdir(), 'gongjian-chromium-'))
  profiles.push(profile)
  const context = await launchBrowser(chromium, profile, viewport)
  const page = context.pages()[0] ?? (await context.newPage())
  page.on('pageerror', (err) => console.error('page error:', err.message))
  return { context, page }
}

/** The list's total as its pager says it ("共 N 条"), once it has loaded. */
async function listTotal(page) {
  await page.waitForFunction(() => !document.querySelector('.el-main .el-loading-mask'))
  const text = await page.locator('.el-main .el-pagination__total').first().innerText()
  return Number(/共\s*(\d+)\s*条/.exec(text)?.[1])
}

for (const viewport of VIEWPORTS) {
  test(`at ${viewport.width}px each admin's desk shows the API's counts, and each opens its filtered list`, async () => {
    const { context, page } = await browser(viewport)
    try {
      for (const who of [ADMIN, LHT, COURT]) {
        const token = await apiToken(backend, who)
        const { admin: counts } = await apiCall(backend, 'GET', '/me/overview', token)
        await signIn(page, backend.baseUrl, who.username, who.password)
        await page.locator('[data-test=desk]').waitFor()
        await assertNoSideScroll(page, `${who.username}'s desk at ${viewport.width}px`)
        const shown = Object.keys(counts).filter((k) => counts[k] !== null)
        assert.equal(await page.locator('[data-test^=desk-]').count(), shown.length, `${who.username}: one tile per count it has`)
        for (const key of Object.keys(counts)) {
          const tile = page.locator(`[data-test=desk-${key}]`)
          if (counts[key] === null) {
            assert.equal(await tile.count(), 0, `${who.username}: ${key} is not its to act on`)
            continue
          }
          assert.equal(Number(await tile.locator('[data-test=count]').innerText()), counts[key], `${who.username}: ${key}`)
          await tile.click()
          const opens = OPENS[key]
          await page.waitForURL((u) => (typeof opens.path === 'string' ? u.pathname === opens.path : opens.path.test(u.pathname)))
          const query = new URL(page.url()).searchParams
          for (const [name, value] of Object.entries(opens.query)) assert.equal(query.get(name), value, `${who.username}: ${key} opens ${page.url()}`)
          assert.equal(await listTotal(page), counts[key], `${who.username}: the list ${key} opens lists its count (${page.url()})`)
          await page.goBack()
          await page.locator('[data-test=desk]').waitFor()
        }
        // The demo and the seeding leave the community admin something in most lists (no vacuous zeros).
        if (who === LHT) {
          assert.ok(counts.pending_reports >= 2 && counts.unscored_evaluations > 0 && counts.overdue_tasks > 0)
        }
        await signOut(page)
      }
    } finally {
      await context.close()
    }
  })
}

const STREET = { username: 'street-admin', password: DEMO_PASSWORD }
const COMMUNITY_OPENS = {
  pending_reports: { path: '/reports', query: { status: 'pending' }, by: 'community_org_id' },
  records_awaiting_review: { path: '/volunteer-records', query: { status: 'pending' }, by: 'organizer_org_id' },
  overdue_concerns: { path: '/concerns', query: { overdue: 'true' }, by: 'community_org_id' },
}

for (const viewport of VIEWPORTS) {
  test(`at ${viewport.width}px a street admin’s desk counts each community under it, each opening its filtered list`, async () => {
    const { context, page } = await browser(viewport)
    try {
      const token = await apiToken(backend, STREET)
      const { admin: counts } = await apiCall(backend, 'GET', '/me/overview', token)
      assert.ok(counts.communities.length > 0, 'the demo street has communities')
      await signIn(page, backend.baseUrl, STREET.username, STREET.password)
      await page.locator('[data-test=community-desk]').waitFor()
      await assertNoSideScroll(page, `street desk at ${viewport.width}px`)
      for (const c of counts.communities) {
        for (const [key, opens] of Object.entries(COMMUNITY_OPENS)) {
          const cell = page.locator(`[data-test=community-${c.community_org_id}-${key}]`)
          assert.equal(Number(await cell.locator('[data-test=count]').innerText()), c[key], `${c.community_name}: ${key}`)
          await cell.click()
          await page.waitForURL((u) => u.pathname === opens.path)
          const query = new URL(page.url()).searchParams
          for (const [name, value] of Object.entries({ ...opens.query, [opens.by]: String(c.community_org_id) })) assert.equal(query.get(name), value, `${key} opens ${page.url()}`)
          assert.equal(await listTotal(page), c[key], `${c.community_name}: the list ${key} opens lists its count (${page.url()})`)
          await page.goBack()
          await page.locator('[data-test=community-desk]').waitFor()
        }
      }
      assert.ok(counts.communities.some((c) => c.pending_reports >= 2), 'the seeded reports are counted under their community')
    } finally {
      await context.close()
    }
  })
}

test('a member’s home shows its own day: hours and sign-ups as the API has them, and 我的档案', async () => {
  const { context, page } = await browser(VIEWPORTS[0])
  try {
    const token = await apiToken(backend, MEMBER)
    const { member, admin } = await apiCall(backend, 'GET', '/me/overview', token)
    assert.equal(admin, null)
    await signIn(page, backend.baseUrl, MEMBER.username, MEMBER.password)
    await page.locator('[data-test=my-day]').waitFor()
    assert.equal(await page.locator('[data-test=desk]').count(), 0, 'a member has no admin desk')
    assert.equal(Number(await page.locator('[data-test=hours-year]').innerText()), member.hours.this_year)
    await page.click('[data-test=my-profile]')
    await page.waitForURL((u) => u.pathname === `/members/${member.profile.id}`)
  } finally {
    await context.close()
  }
})

test('the dashboard opens on the caller’s own community and the latest year with records', async () => {
  const { context, page } = await browser(VIEWPORTS[0])
  try {
    await signIn(page, backend.baseUrl, LHT.username, LHT.password)
    await page.goto(`${backend.baseUrl}/dashboard`)
    await page.waitForURL((u) => u.searchParams.get('year') === '2017')
    await page.locator('[data-test=stats-title]', { hasText: '2017 年度' }).waitFor()
    assert.match(await page.locator('[data-test=stats-title]').innerText(), /老虎头社区党委/)
  } finally {
    await context.close()
  }
})

test('a failure is said once: a member page whose three loads all fail shows one message', async () => {
  const { context, page } = await browser(VIEWPORTS[0])
  try {
    const token = await apiToken(backend, LHT)
    const { items } = await apiCall(backend, 'GET', '/members?page_size=1', token)
    await signIn(page, backend.baseUrl, LHT.username, LHT.password)
    // Each of the page's requests fails with its own words (a server going down mid-page), or gets
    // no answer at all (the network gone): either way one message, not one per request.
    for (const fail of ['refuse', 'abort']) {
      let failed = 0
      await page.route('**/api/v1/**', (route) => {
        const url = route.request().url()
        if (url.includes('/api/v1/auth/') || url.endsWith('/api/v1/me')) return route.continue()
        failed += 1
        if (fail === 'abort') return route.abort()
        const detail = `暂停服务（${url.split('/api/v1')[1]}）`
        return route.fulfill({ status: 503, contentType: 'application/problem+json', body: JSON.stringify({ type: 'about:blank', title: '服务暂不可用', status: 503, code: 'unavailable', detail }) })
      })
      await page.goto(`${backend.baseUrl}/members/${items[0].id}`, { waitUntil: 'networkidle' })
      await page.locator('.el-message').first().waitFor()
      assert.ok(failed >= 3, `${fail}: the member page loads several things (${failed})`)
      const messages = await page.locator('.el-message').allInnerTexts()
      assert.equal(messages.length, 1, `${fail}: one message for one failure: ${JSON.stringify(messages)}`)
      assert.doesNotMatch(messages[0], /^\d/, `${fail}: no repeat count on the message`)
      if (fail === 'abort') assert.match(messages[0], /网络错误/)
      await page.unroute('**/api/v1/**')
      await page.evaluate(() => document.querySelectorAll('.el-message').forEach((m) => m.remove()))
    }
  } finally {
    await context.close()
  }
})
