// End-to-end, at 1440×900 and 390×844, against the demo community 老虎头: the audit log in Chinese
// (the object named and linked, a 字段/原值/新值 table, a person filter, 导出), the scoring grid (a
// member's evidence beside the row, the criteria entered and saved row by row, checked against the
// API), and a member import whose every problem of every row comes back in one pass.
import assert from 'node:assert/strict'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, test } from 'node:test'
import { chromium } from 'playwright-core'
import { ADMIN_PASSWORD, DEMO_LOGINS, DEMO_PASSWORD, apiCall, apiToken, assertNoSideScroll, buildSpa, ensureChromium, launchBrowser, signIn, startBackend } from './harness.mjs'

const ADMIN = { username: 'admin', password: ADMIN_PASSWORD }
const LHT = { username: DEMO_LOGINS.community_admin, password: DEMO_PASSWORD }
const VIEWPORTS = [
  { width: 1440, height: 900 },
  { width: 390, height: 844 },
]
const SHOTS = process.env.SHOTS_DIR ?? '/tmp/shots-spa-audit'

let backend
let period
let honour
const profiles = []

before(async () => {
  ensureChromium()
  buildSpa()
  mkdirSync(SHOTS, { recursive: true })
  backend = await startBackend({ demo: true })
  const admin = await apiToken(backend, ADMIN)
  period = await apiCall(backend, 'POST', '/evaluation-periods', admin, { name: '2017年度党员双向考评', start_date: '2017-01-01', end_date: '2017-12-31' })
  await apiCall(backend, 'POST', `/evaluation-periods/${period.id}/open`, admin)
  // Something to read in the audit log: the community admin renames an honour and raises its level.
  const lht = await apiToken(backend, LHT)
  const honours = await apiCall(backend, 'GET', '/honors?page_size=1', lht)
  honour = honours.items[0]
  honour = await apiCall(backend, 'PATCH', `/honors/${honour.id}`, lht, { title: `${honour.title}（复评）`, level: honour.level === 'provincial' ? 'city' : 'provincial' })
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

const settled = (page) => page.waitForFunction(() => !document.querySelector('.el-main .el-loading-mask'))

for (const viewport of VIEWPORTS) {
  const w = viewport.width

  test(`at ${w}px the audit log names objects in Chinese, diffs fields, filters by person and exports`, async () => {
    const { context, page } = await browser(viewport)
    try {
      const admin = await apiToken(backend, ADMIN)
      const lhtMe = await apiCall(backend, 'GET', '/me', await apiToken(backend, LHT))
      const events = await apiCall(backend, 'GET', `/audit-events?entity=honor&entity_id=${honour.id}`, admin)
      const latest = events.items[0]
      assert.equal(latest.entity_label, `荣誉「${honour.title}」`)
      await signIn(page, backend.baseUrl, ADMIN.username, ADMIN.password)
      await page.goto(`${backend.baseUrl}/audit?entity=honor&actor_id=${lhtMe.id}`)
      await settled(page)
      const table = page.locator('[data-test=audit-table]')
      const object = table.locator('[data-test=audit-object]').first()
      assert.equal(await object.innerText(), `荣誉「${honour.title}」`)
      const shown = await table.innerText()
      assert.doesNotMatch(shown, /honor|#\d/, 'no codes or "#id" in the log')
      assert.match(shown, new RegExp(lhtMe.name))
      // Every listed event is the chosen person's (the filter is the API's actor filter).
      const byPerson = await apiCall(backend, 'GET', `/audit-events?entity=honor&actor_type=user&actor_id=${lhtMe.id}`, admin)
      assert.equal(await table.locator('[data-test=audit-object]').count(), byPerson.items.length)
      // The newest event's fields as 字段 / 原值 / 新值, in Chinese, as the API has them (unfolded
      // from its row on a wide screen; listed under its card on a phone).
      if (w >= 768) await table.locator('.el-table__expand-icon').first().click()
      const diff = page.locator('[data-test=audit-diff]').first()
      await diff.waitFor()
      const text = await diff.innerText()
      assert.match(text, /字段\s+原值\s+新值/)
      for (const f of latest.fields) {
        assert.match(text, new RegExp(f.label))
        assert.ok(text.includes(f.new ?? '—') && text.includes(f.old ?? '—'), `${f.label}: ${f.old} → ${f.new}`)
      }
      assert.match(text, /荣誉名称/)
      await assertNoSideScroll(page, `audit at ${w}px`)
      await page.screenshot({ path: join(SHOTS, `audit-${w}.png`), fullPage: true })
      // 导出: an xlsx of what the filters select.
      const [download] = await Promise.all([page.waitForEvent('download'), page.click('[data-test=audit-export]')])
      assert.equal(download.suggestedFilename(), '审计日志.xlsx')
      // The object links to where the SPA shows it.
      await object.click()
      await page.waitForURL((u) => u.pathname === '/honors')
    } finally {
      await context.close()
    }
  })

  test(`at ${w}px the scoring grid shows each member's evidence and saves a row`, async () => {
    const { context, page } = await browser(viewport)
    try {
      const lht = await apiToken(backend, LHT)
      await signIn(page, backend.baseUrl, LHT.username, LHT.password)
      await page.goto(`${backend.baseUrl}/evaluation-periods/${period.id}`)
      await page.click('[data-test=open-grid]')
      await page.waitForURL((u) => u.pathname === `/evaluation-periods/${period.id}/grid` && u.searchParams.get('unscored') === 'true')
      await settled(page)
      const unscored = await apiCall(backend, 'GET', `/evaluation-periods/${period.id}/evaluations?unscored=true&sort=name&page_size=20`, lht)
      assert.ok(unscored.total > 0, 'the demo leaves members to score')
      const ev = unscored.items[0]
      const [{ evidence }] = await apiCall(backend, 'GET', `/evaluation-periods/${period.id}/evidence?evaluation_id=${ev.id}`, lht)
      const row = page.locator(`[data-test=grid-row-${ev.id}]`)
      await row.waitFor()
      // The evidence beside the row is the API's.
      const holder = w < 768 ? row : page.locator('tr.el-table__row', { has: row })
      await holder.locator('[data-test=grid-evidence]').filter({ hasText: `时长 ${evidence.volunteer_hours} 小时` }).waitFor()
      assert.match(await holder.locator('[data-test=grid-evidence]').innerText(), new RegExp(`认领\\D*${evidence.wishes_claimed}`))
      // Saving with a criterion left empty marks that cell and sends nothing.
      const criteria = period.criteria
      const cell = (code) => page.locator(`[data-test=cell-${ev.id}-${code}] input`)
      for (const c of criteria.slice(1)) await cell(c.code).fill(String(Math.min(c.max_points, 15)))
      await page.locator(`[data-test=opinion-${ev.id}]`).fill('积极参加社区志愿服务，表现良好')
      await page.click(`[data-test=save-${ev.id}]`)
      await page.locator('.err', { hasText: '请填写' }).first().waitFor()
      assert.equal((await apiCall(backend, 'GET', `/evaluations/${ev.id}`, lht)).community_score, null)
      await page.screenshot({ path: join(SHOTS, `grid-${w}.png`), fullPage: true })
      await cell(criteria[0].code).fill('20')
      await cell(criteria[0].code).blur()
      await page.click(`[data-test=save-${ev.id}]`)
      await page.locator('.el-message--success', { hasText: `已保存 ${ev.member.name}` }).waitFor()
      const expected = criteria.reduce((sum, c, i) => sum + (i === 0 ? 20 : Math.min(c.max_points, 15)), 0)
      const saved = await apiCall(backend, 'GET', `/evaluations/${ev.id}`, lht)
      assert.equal(saved.community_score, expected)
      assert.equal(saved.community_opinion, '积极参加社区志愿服务，表现良好')
      await holder.locator('.el-tag', { hasText: '已评' }).waitFor()
      await assertNoSideScroll(page, `grid at ${w}px`)
      await page.screenshot({ path: join(SHOTS, `grid-saved-${w}.png`), fullPage: true })
    } finally {
      await context.close()
    }
  })

  test(`at ${w}px an import lists every problem of every row in one pass`, async () => {
    const { context, page } = await browser(viewport)
    const files = mkdtempSync(join(tmpdir(), 'gongjian-import-'))
    profiles.push(files)
    try {
      const lht = await apiToken(backend, LHT)
      const me = await apiCall(backend, 'GET', '/me', lht)
      const header = '姓名,性别,出生日期,手机号码,入党日期,党员类别,工作单位党组织,报到社区,报到日期,技能特长,志愿者编号'
      const bad = join(files, '党员.csv')
      // Row 2: an unreadable gender, a birth date in the future and an in-service member with no unit.
      // Row 3: a bad phone, joining the party before birth, an unknown community.
      writeFileSync(bad, `${header}\n王一,男性,2999-01-01,,,在职党员,,${me.organization_name},,,\n李二,女,1990-01-01,123,1980-01-01,离退休党员,,不存在的社区,,,\n`)
      await signIn(page, backend.baseUrl, LHT.username, LHT.password)
      await page.goto(`${backend.baseUrl}/members`)
      // On a phone the list's tools are folded behind 筛选 (CollapsibleFilters): open them first.
      await page.locator('[data-test=import]').waitFor({ state: 'attached' })
      if (!(await page.locator('[data-test=import]').isVisible())) await page.click('[data-test=filters-toggle]')
      await page.click('[data-test=import]')
      const dialog = page.locator('.el-dialog:visible')
      // The template downloads as xlsx (its example row and drop-downs are checked in the API tests).
      const [template] = await Promise.all([page.waitForEvent('download'), dialog.locator('button', { hasText: '下载模板（.xlsx）' }).click()])
      assert.equal(template.suggestedFilename(), '党员导入模板.xlsx')
      await dialog.locator('[data-test=import-file]').setInputFiles(bad)
      await dialog.locator('[data-test=import-errors]').waitFor()
      const row2 = await dialog.locator('[data-test=import-error-2]').allInnerTexts()
      const row3 = await dialog.locator('[data-test=import-error-3]').allInnerTexts()
      assert.deepEqual(row2.map((t) => t.split('：')[0]).sort(), ['出生日期', '工作单位党组织', '性别'].sort())
      assert.deepEqual(row3.map((t) => t.split('：')[0]).sort(), ['入党日期', '手机号码', '报到社区'].sort())
      assert.match(await dialog.locator('[data-test=import-summary]').innerText(), /2 行有错误，共 6 处/)
      assert.ok(await dialog.locator('[data-test=import-confirm]').isDisabled())
      await assertNoSideScroll(page, `import at ${w}px`)
      await page.screenshot({ path: join(SHOTS, `import-errors-${w}.png`) })
    } finally {
      await context.close()
    }
  })
}
