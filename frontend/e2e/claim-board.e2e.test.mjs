// End-to-end: the claim board offers 认领 only where the API says the caller may claim, and only
// between partners; a community adds needs from the catalogue (从清单模板添加). A unit admin
// claims a community need on the board; the board then shows the claim's status on that item and no
// 认领, also once the claim is verified (a verified claim still holds its place), while another need
// stays claimable and the unit's own resource never is. Real backend, Debian's Chromium.
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, test } from 'node:test'
import { chromium } from 'playwright-core'
import { ADMIN_PASSWORD, apiCall, apiToken, buildSpa, ensureChromium, launchBrowser, signIn, signOut, startBackend } from './harness.mjs'

const COMMUNITY_ADMIN = { username: 'board_community', password: 'Board-community-2026' }
const UNIT_ADMIN = { username: 'board_unit', password: 'Board-unit-2026' }
const NEED = '独居老人周末陪护'
const OTHER_NEED = '社区图书角整理'
const RESOURCE = '法律咨询进社区'
const STRANGER_NEED = '团城山社区楼道粉刷'
const TEMPLATE = { code: 'SL-VO03', title: '社区治安义务巡逻' }

let backend
let context
let page
let profile
let labels = {}
const tokens = {}
const ids = {}

async function publishedItem(token, title, providerId) {
  const item = await apiCall(backend, 'POST', '/service-items', token, { title, category: 'volunteer', provider_org_id: providerId, capacity: 2 })
  await apiCall(backend, 'POST', `/service-items/${item.id}/publish`, token)
  return item.id
}

async function seed() {
  const admin = await apiToken(backend, { username: 'admin', password: ADMIN_PASSWORD })
  const community = await apiCall(backend, 'POST', '/organizations', admin, { name: '桂林路社区党委', kind: 'community', code: 'GLL' })
  const unit = await apiCall(backend, 'POST', '/organizations', admin, { name: '黄石市档案馆党支部', kind: 'unit', code: 'DAG' })
  await apiCall(backend, 'POST', '/users', admin, { ...COMMUNITY_ADMIN, display_name: '桂林路社区管理员', role: 'community_admin', organization_id: community.id })
  await apiCall(backend, 'POST', '/users', admin, { ...UNIT_ADMIN, display_name: '档案馆党建专员', role: 'unit_admin', organization_id: unit.id })
  // The board is the list between partners: the unit works with the community.
  await apiCall(backend, 'POST', '/partnerships', admin, { unit_org_id: unit.id, community_org_id: community.id, start_date: '2026-01-01' })
  // A community that isn't the unit's partner: its need never reaches the unit's board.
  const stranger = await apiCall(backend, 'POST', '/organizations', admin, { name: '团城山社区党委', kind: 'community', code: 'TCS' })
  ids.strangerNeed = await publishedItem(admin, STRANGER_NEED, stranger.id)
  ids.need = await publishedItem(admin, NEED, community.id)
  ids.otherNeed = await publishedItem(admin, OTHER_NEED, community.id)
  ids.resource = await publishedItem(admin, RESOURCE, unit.id)
  tokens.community = await apiToken(backend, { username: COMMUNITY_ADMIN.username, password: COMMUNITY_ADMIN.password })
  tokens.unit = await apiToken(backend, { username: UNIT_ADMIN.username, password: UNIT_ADMIN.password })
  const enums = await apiCall(backend, 'GET', '/meta/enums', admin)
  labels = Object.fromEntries(enums.enums.map((e) => [e.name, Object.fromEntries(e.values.map((v) => [v.code, v.label]))]))
}

before(async () => {
  ensureChromium()
  buildSpa()
  backend = await startBackend({ reference: true })
  await seed()
  profile = mkdtempSync(join(tmpdir(), 'gongjian-chromium-'))
  context = await launchBrowser(chromium, profile)
  page = context.pages()[0] ?? (await context.newPage())
  page.on('pageerror', (err) => console.error('page error:', err.message))
})

after(async () => {
  await context?.close()
  await backend?.stop()
  if (profile) rmSync(profile, { recursive: true, force: true })
})

const card = (title) => page.locator('[data-item]', { hasText: title })
const claimButtons = (title) => card(title).locator('[data-test=claim]')
const heldTag = (title) => card(title).locator('[data-test=caller-claim]')
const dialog = () => page.locator('.el-dialog:visible')

/** The board's volunteer tab, loaded afresh. */
async function openBoard() {
  await page.goto(`${backend.baseUrl}/claim-board?category=volunteer`)
  for (const title of [NEED, OTHER_NEED, RESOURCE]) await card(title).waitFor()
}

test('a unit admin claims a need on the board, and the board no longer offers 认领 on it', async () => {
  await signIn(page, backend.baseUrl, UNIT_ADMIN.username, UNIT_ADMIN.password)
  await openBoard()
  assert.equal(await card(STRANGER_NEED).count(), 0, 'a need of a community the unit does not work with is not on its board')
  assert.equal(await claimButtons(NEED).count(), 1)
  assert.equal(await heldTag(NEED).count(), 0)
  assert.equal(await claimButtons(RESOURCE).count(), 0, 'the unit does not claim its own resource')

  await claimButtons(NEED).click()
  await dialog().locator('textarea[data-test=field-note]').fill('每周六安排 2 名党员上门陪护')
  await dialog().locator('[data-test=action-confirm]').click()
  await dialog().waitFor({ state: 'hidden' })
  await heldTag(NEED).filter({ hasText: labels.claim_status.claimed }).waitFor()
  assert.match(await card(NEED).locator('[data-test=capacity]').innerText(), /已认领 1 \/ 2.*空余 1/)
  assert.equal(await claimButtons(NEED).count(), 0, 'a place is left, but the unit already holds the item')
  assert.equal(await claimButtons(OTHER_NEED).count(), 1, 'the other need is still claimable')

  // The same after a fresh load, and once the claim has gone all the way to 已验收.
  await openBoard()
  assert.equal(await claimButtons(NEED).count(), 0)
  const [claim] = (await apiCall(backend, 'GET', `/claims?item_id=${ids.need}`, tokens.unit)).items
  await apiCall(backend, 'POST', `/claims/${claim.id}/start`, tokens.unit)
  await apiCall(backend, 'POST', `/claims/${claim.id}/complete`, tokens.unit, { report: '已陪护 4 次' })
  await apiCall(backend, 'POST', `/claims/${claim.id}/verify`, tokens.community, { rating: 5 })
  await openBoard()
  await heldTag(NEED).filter({ hasText: labels.claim_status.verified }).waitFor()
  assert.equal(await claimButtons(NEED).count(), 0, 'a verified claim still holds the item')
  assert.equal(await claimButtons(OTHER_NEED).count(), 1)

  // What the board shows is what the API allows: claiming the held item again is refused.
  const again = await fetch(`${backend.baseUrl}/api/v1/service-items/${ids.need}/claims`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${tokens.unit}`, 'Content-Type': 'application/json' },
    body: '{}',
  })
  assert.equal(again.status, 409)
  assert.equal((await again.json()).code, 'already_claimed')
})

test('a community admin adds a need from the catalogue; the partner unit sees it with its template code', async () => {
  await signOut(page)
  await signIn(page, backend.baseUrl, COMMUNITY_ADMIN.username, COMMUNITY_ADMIN.password)
  await openBoard()
  await page.locator('[data-test=adopt-templates]').click()
  const adopt = page.locator('[data-test=adopt-dialog]')
  const row = adopt.locator(`[data-test=template-${TEMPLATE.code}]`)
  await row.waitFor()
  // Only what a community may adopt is offered: a unit-only resource template is not there.
  assert.equal(await adopt.locator('[data-test=template-SL-AD05]').count(), 0)
  await row.locator('.el-checkbox').click()
  await adopt.locator('[data-test=adopt-confirm]').click()
  await adopt.waitFor({ state: 'hidden' })
  await card(TEMPLATE.title).waitFor()
  assert.equal(await card(TEMPLATE.title).locator('[data-test=template-code]').innerText(), TEMPLATE.code)

  // Offered again, the template shows as already added and can't be chosen.
  await page.locator('[data-test=adopt-templates]').click()
  await row.locator('[data-test=already-adopted]').waitFor()
  assert.equal(await row.locator('.el-checkbox.is-disabled').count(), 1)
  await adopt.locator('.el-dialog__headerbtn').click()
  await adopt.waitFor({ state: 'hidden' })

  // The partner unit finds it on its board, with the code, and may claim it; the code filters.
  await signOut(page)
  await signIn(page, backend.baseUrl, UNIT_ADMIN.username, UNIT_ADMIN.password)
  await openBoard()
  await card(TEMPLATE.title).waitFor()
  assert.equal(await claimButtons(TEMPLATE.title).count(), 1)
  await card(TEMPLATE.title).locator('[data-test=template-code]').click()
  await page.waitForURL(new RegExp(`template=${TEMPLATE.code}`))
  await page.locator('[data-test=template-filter]').waitFor()
  await page.waitForFunction(() => document.querySelectorAll('[data-item]').length === 1)
  const listed = await apiCall(backend, 'GET', `/service-items?template_code=${TEMPLATE.code}`, tokens.unit)
  assert.deepEqual(listed.items.map((i) => i.provider_org.name), ['桂林路社区党委'])
})
