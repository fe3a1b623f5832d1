// End-to-end, against the demo community 老虎头: batch approval of volunteer records and 报到
// applications (one request, answered per row); lists as cards on a 390 px phone with no sideways
// scroll; and an axe-core colour-contrast check (WCAG 2 AA) of every screen of each role at
// 1440×900 and 390×844, which also fails on any API answer of 404 or 5xx while a screen loads.
// Screenshots of every screen go to $SHOTS_DIR (default /tmp/shots-spa-phone).
import assert from 'node:assert/strict'
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, test } from 'node:test'
import { chromium } from 'playwright-core'
import { ADMIN_PASSWORD, DEMO_LOGINS, DEMO_PASSWORD, apiCall, apiToken, assertNoSideScroll, buildSpa, ensureChromium, launchBrowser, signIn, signOut, startBackend } from './harness.mjs'

// Evaluated through the DevTools protocol: the SPA's CSP (script-src 'self') rightly refuses an injected <script>.
const AXE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8')
const SHOTS = process.env.SHOTS_DIR ?? '/tmp/shots-spa-phone'
const ADMIN = { username: 'admin', password: ADMIN_PASSWORD }
const LHT = { username: DEMO_LOGINS.community_admin, password: DEMO_PASSWORD }
const COURT = { username: DEMO_LOGINS.unit_admin, password: DEMO_PASSWORD }
const MEMBER = { username: DEMO_LOGINS.member, password: DEMO_PASSWORD }
const DESKTOP = { width: 1440, height: 900 }
const PHONE = { width: 390, height: 844 }

let backend
let records = []
let reports = []
const profiles = []

before(async () => {
  ensureChromium()
  buildSpa()
  mkdirSync(SHOTS, { recursive: true })
  backend = await startBackend({ demo: true })
  const admin = await apiToken(backend, ADMIN)
  // Three records entered by the platform admin for the community (so its admin may approve them).
  const member = (await apiCall(backend, 'GET', `/members?q=${encodeURIComponent('陈立新')}`, admin)).items[0]
  const lht = (await apiCall(backend, 'GET', `/organizations?q=${encodeURIComponent('老虎头')}&kind=community`, admin)).items[0]
  for (const day of ['05', '12', '19']) {
    const record = await apiCall(backend, 'POST', '/volunteer-records', admin, {
      member_id: member.id,
      organizer_org_id: lht.id,
      content: `批量审核测试 3 月 ${day} 日环境整治`,
      started_at: `2017-03-${day}T09:00:00+08:00`,
      ended_at: `2017-03-${day}T11:00:00+08:00`,
      hours: 2,
    })
    records.push(record.id)
  }
  // Two member accounts report to the community.
  const lhtToken = await apiToken(backend, LHT)
  const me = await apiCall(backend, 'GET', '/me', lhtToken)
  const { code } = await apiCall(backend, 'GET', `/organizations/${me.organization_id}/report-code`, lhtToken)
  for (const [i, name] of ['张批量', '李批量'].entries()) {
    const password = 'Reporter-Passw0rd-1'
    await apiCall(backend, 'POST', '/users', admin, { username: `batch${i}`, display_name: name, role: 'member', organization_id: me.organization_id, password })
    const token = await apiToken(backend, { username: `batch${i}`, password })
    reports.push((await apiCall(backend, 'POST', '/reports', token, { code, name, gender: 'female', mobile: `1390000333${i}`, category: 'retired', skills: [] })).id)
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

async function settled(page) {
  await page.waitForLoadState('networkidle')
  await page.waitForFunction(() => !document.querySelector('.el-loading-mask'))
  await page.waitForTimeout(400) // menu and message transitions
}

test('batch approval: the community admin ticks pending records and 报到 and approves them in one go', async () => {
  const { context, page } = await browser(DESKTOP)
  try {
    await signIn(page, backend.baseUrl, LHT.username, LHT.password)
    await page.goto(`${backend.baseUrl}/volunteer-records?status=pending`)
    await settled(page)
    for (const id of records) {
      const row = page.locator('[data-test=records] .el-table__body tr', { has: page.locator(`a[href="/volunteer-records/${id}"]`) })
      await row.locator('.el-checkbox').first().click()
    }
    await assert.doesNotReject(page.locator('[data-test=batch-approve]', { hasText: '（3）' }).waitFor())
    await page.screenshot({ path: join(SHOTS, 'batch-records-selected-1440.png') })
    await page.click('[data-test=batch-approve]')
    await page.click('.el-message-box .el-button--primary')
    await page.locator('.el-message--success', { hasText: '已通过 3 条记录' }).waitFor()
    const token = await apiToken(backend, LHT)
    for (const id of records) assert.equal((await apiCall(backend, 'GET', `/volunteer-records/${id}`, token)).status, 'approved')

    await page.goto(`${backend.baseUrl}/reports?status=pending`)
    await settled(page)
    await page.locator('[data-test=reports] .el-table__header .el-checkbox').click()
    await page.click('[data-test=batch-approve]')
    await page.click('.el-message-box .el-button--primary')
    await page.locator('.el-message--success', { hasText: '已确认 2 份报到' }).waitFor()
    for (const id of reports) assert.equal((await apiCall(backend, 'GET', `/reports/${id}`, token)).status, 'approved')
    await page.screenshot({ path: join(SHOTS, 'batch-reports-done-1440.png') })
  } finally {
    await context.close()
  }
})

test('at 390 px lists are cards: every column a labelled line, nothing off to the right', async () => {
  const { context, page } = await browser(PHONE)
  try {
    await signIn(page, backend.baseUrl, LHT.username, LHT.password)
    for (const path of ['/volunteer-records', '/members', '/activities', '/wishes', '/concerns']) {
      await page.goto(`${backend.baseUrl}${path}`)
      await settled(page)
      const cards = await page.evaluate(() => {
        const list = document.querySelector('.list-table.cards')
        if (!list) return null
        const rows = [...list.querySelectorAll('.el-table__body tr.el-table__row')]
        return {
          header: getComputedStyle(list.querySelector('.el-table__header-wrapper')).display,
          rows: rows.length,
          widest: Math.max(...rows.map((r) => r.getBoundingClientRect().right)),
          labels: [...(rows[0]?.querySelectorAll('td') ?? [])].map((td) => td.dataset.label).filter(Boolean),
          display: rows[0] ? getComputedStyle(rows[0]).display : '',
        }
      })
      assert.ok(cards, `${path}: no card list at 390 px`)
      assert.equal(cards.header, 'none', `${path}: the table header is still shown`)
      assert.ok(cards.rows > 0, `${path}: no rows`)
      assert.equal(cards.display, 'block', `${path}: rows are not cards`)
      assert.ok(cards.widest <= 390, `${path}: a card reaches ${cards.widest} px`)
      assert.ok(cards.labels.length >= 3, `${path}: card lines carry no column labels (${cards.labels})`)
      await assertNoSideScroll(page, path)
    }
    const labels = await page.goto(`${backend.baseUrl}/volunteer-records`).then(() => settled(page)).then(() =>
      page.evaluate(() => [...document.querySelectorAll('.list-table.cards tr.el-table__row')][0].querySelectorAll('td')).then(() =>
        page.evaluate(() => [...document.querySelectorAll('.list-table.cards tr.el-table__row')][0].querySelectorAll('td').length),
      ),
    )
    assert.ok(labels >= 6)
    const shown = await page.evaluate(() => [...document.querySelector('.list-table.cards tr.el-table__row').querySelectorAll('td')].map((td) => td.dataset.label))
    for (const label of ['服务内容', '时长', '状态', '操作']) assert.ok(shown.includes(label), `the record card has no ${label} line: ${shown}`)
    await page.screenshot({ path: join(SHOTS, 'records-cards-390.png'), fullPage: true })
  } finally {
    await context.close()
  }
})

/** Every screen of each role: the menu's lists plus detail pages opened from them. */
const SCREENS = {
  admin: ['/', '/dashboard', '/organizations', '/members', '/reports', '/partnerships', '/users', '/claim-board', '/claims', '/wishes', '/activities', '/concerns', '/volunteer-records', '/volunteer-correction-requests', '/volunteer-certificate-requests', '/volunteer-hours', '/evaluation-periods', '/meetings', '/tasks', '/honors', '/api-keys', '/settings/calendar', '/account'],
  lht: ['/', '/dashboard', '/members', '/reports', '/wishes', '/activities', '/concerns', '/volunteer-records', '/volunteer-hours', '/meetings', '/tasks', '/honors'],
  court: ['/', '/members', '/claims', '/volunteer-records', '/evaluation-periods'],
  member: ['/', '/me/profile', '/activities', '/volunteer-records', '/volunteer-correction-requests', '/volunteer-certificate-requests', '/evaluation-periods', '/honors', '/wishes'],
}
const DETAILS = { admin: ['/members', '/activities', '/meetings', '/volunteer-records'], lht: [], court: [], member: [] }
const WHO = { admin: ADMIN, lht: LHT, court: COURT, member: MEMBER }

for (const viewport of [DESKTOP, PHONE]) {
  test(`at ${viewport.width}px no screen of any role has an AA contrast violation or a failed API call`, async () => {
    const { context, page } = await browser(viewport)
    const failures = []
    let screen = ''
    page.on('response', (res) => {
      if (res.url().includes('/api/') && (res.status() === 404 || res.status() >= 500)) failures.push(`${screen}: ${res.status()} ${res.url().replace(backend.baseUrl, '')}`)
    })
    const violations = []
    try {
      for (const [role, paths] of Object.entries(SCREENS)) {
        const who = WHO[role]
        await signIn(page, backend.baseUrl, who.username, who.password)
        const detailPaths = []
        for (const list of DETAILS[role]) {
          await page.goto(`${backend.baseUrl}${list}`)
          await settled(page)
          const href = await page.locator('.el-main .el-table__body a[href]').first().getAttribute('href')
          if (href) detailPaths.push(href)
        }
        for (const path of [...paths, ...detailPaths]) {
          screen = `${role} ${path}`
          await page.goto(`${backend.baseUrl}${path}`)
          await settled(page)
          const name = `${role}${path.replace(/\//g, '-') || '-home'}-${viewport.width}`.replace(/-+$/, '')
          await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true })
          await page.evaluate(AXE)
          const result = await page.evaluate(() =>
            window.axe.run(document, { runOnly: { type: 'rule', values: ['color-contrast'] }, resultTypes: ['violations'] }),
          )
          for (const v of result.violations)
            for (const node of v.nodes) violations.push(`${screen}: ${node.target.join(' ')} — ${node.any.map((a) => a.message).join('; ')}`)
          if (viewport === PHONE) await assertNoSideScroll(page, screen)
        }
        await signOut(page)
      }
    } finally {
      await context.close()
    }
    assert.deepEqual(violations, [], `contrast below WCAG AA:\n${violations.join('\n')}`)
    assert.deepEqual(failures, [], `API calls failing in the background:\n${failures.join('\n')}`)
  })
}
