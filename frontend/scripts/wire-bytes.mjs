// Bytes on the wire for the first screen of the admin SPA (login, then the signed-in home) and of
// the members' mobile web app (/m/), as a phone loads them: Chromium at 390×844 against
// `gongjian serve` with the built front ends (issue 18, item 3). Each screen is loaded cold (empty
// cache) and then again (what a returning user downloads: hashed assets come from the cache).
//
//   make bench-wire        (or: cd frontend && npm run build && npm run build:miniapp && node scripts/wire-bytes.mjs)
//
// Bytes are what Chromium counts as received for a response (headers and compressed body,
// `encodedDataLength`), summed over every request the screen makes; "decoded" is the bodies after
// decompression. Writes the table as JSON to bench/results/wire-<time>.json.
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { chromium } from 'playwright-core'
import { ADMIN_PASSWORD, FRONTEND, REPO, ensureChromium, launchBrowser, startBackend } from '../e2e/harness.mjs'

const PHONE = { width: 390, height: 844 }
const MINIAPP = join(FRONTEND, 'miniapp', 'dist', 'build', 'h5')

for (const [what, index] of [['SPA', join(FRONTEND, 'dist', 'index.html')], ['mini-app', join(MINIAPP, 'index.html')]]) {
  if (!existsSync(index)) throw new Error(`${what} not built (${index}): run \`make spa\` first`)
}

/** Counts every response's bytes on one page, through Chromium's DevTools protocol. */
async function meter(page) {
  const cdp = await page.context().newCDPSession(page)
  await cdp.send('Network.enable')
  const seen = new Map()
  const served = new Set()
  cdp.on('Network.responseReceived', ({ requestId, response }) => {
    seen.set(requestId, {
      url: response.url,
      cached: response.fromDiskCache || response.fromMemoryCache || served.has(requestId),
      encoding: response.headers['content-encoding'] ?? response.headers['Content-Encoding'] ?? '',
      decoded: 0,
      wire: 0,
    })
  })
  // A response from the memory cache is announced by this event, not by a flag on the response.
  cdp.on('Network.requestServedFromCache', ({ requestId }) => served.add(requestId))
  cdp.on('Network.dataReceived', ({ requestId, dataLength }) => {
    const entry = seen.get(requestId)
    if (entry) entry.decoded += dataLength
  })
  cdp.on('Network.loadingFinished', ({ requestId, encodedDataLength }) => {
    const entry = seen.get(requestId)
    if (entry) entry.wire = encodedDataLength
  })
  return {
    take() {
      const entries = [...seen.values()]
      seen.clear()
      served.clear()
      return entries
    },
  }
}

function summary(entries) {
  const sum = (key) => entries.reduce((total, e) => total + e[key], 0)
  // Images are compressed formats already; text assets should arrive as brotli or gzip.
  const assets = entries.filter((e) => /\.(js|css|svg|json|html)$/.test(new URL(e.url).pathname))
  return {
    requests: entries.length,
    from_cache: entries.filter((e) => e.cached).length,
    wire_bytes: sum('wire'),
    decoded_bytes: sum('decoded'),
    uncompressed_assets: assets.filter((e) => !e.cached && !e.encoding && e.decoded > 1024).map((e) => e.url),
  }
}

async function settle(page) {
  await page.waitForLoadState('networkidle')
  await page.waitForTimeout(300)
}

ensureChromium()
const backend = await startBackend({ reference: true, demo: true })
const profile = mkdtempSync(join(tmpdir(), 'gongjian-wire-'))
const results = { measured: new Date().toISOString(), viewport: PHONE, screens: {} }
try {
  const browser = await launchBrowser(chromium, profile, PHONE)
  const page = browser.pages()[0] ?? (await browser.newPage())
  const counter = await meter(page)

  await page.goto(`${backend.baseUrl}/login`)
  await settle(page)
  results.screens['SPA login, cold'] = summary(counter.take())
  await page.fill('input[name=username]', 'admin')
  await page.fill('input[name=password]', ADMIN_PASSWORD)
  await page.click('button[type=submit]')
  await page.waitForSelector('[data-test=whoami]')
  await settle(page)
  results.screens['SPA home after signing in'] = summary(counter.take())
  await page.reload()
  await settle(page)
  results.screens['SPA home, returning'] = summary(counter.take())

  await page.goto(`${backend.baseUrl}/m/`)
  await settle(page)
  results.screens['mini-app first screen, cold'] = summary(counter.take())
  await page.reload()
  await settle(page)
  results.screens['mini-app first screen, returning'] = summary(counter.take())
  await browser.close()
} finally {
  await backend.stop()
  rmSync(profile, { recursive: true, force: true })
}

const kb = (bytes) => (bytes / 1024).toFixed(1).padStart(9)
console.log(`\nbytes on the wire at ${PHONE.width}×${PHONE.height} (Chromium, gongjian serve)`)
console.log(`${'screen'.padEnd(36)}${'requests'.padStart(9)}${'cached'.padStart(8)}${'wire KB'.padStart(9)}${'decoded KB'.padStart(11)}`)
for (const [name, s] of Object.entries(results.screens)) {
  console.log(`${name.padEnd(36)}${String(s.requests).padStart(9)}${String(s.from_cache).padStart(8)}${kb(s.wire_bytes)}${kb(s.decoded_bytes).padStart(11)}`)
  for (const url of s.uncompressed_assets) console.log(`  sent uncompressed: ${url}`)
}
const outDir = join(REPO, 'bench', 'results')
mkdirSync(outDir, { recursive: true })
const out = join(outDir, `wire-${results.measured.replace(/[-:]/g, '').slice(0, 15)}Z.json`)
writeFileSync(out, JSON.stringify(results, null, 2))
console.log(`\nwritten to ${out}`)
