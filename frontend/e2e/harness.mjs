// What the end-to-end test needs around it: Debian's Chromium, a built SPA, and the real backend on
// a fresh SQLite database in a temp folder, on a free port.
import assert from 'node:assert/strict'
import { execFileSync, spawn } from 'node:child_process'
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'

export const FRONTEND = resolve(import.meta.dirname, '..')
export const REPO = resolve(FRONTEND, '..')
export const CHROMIUM = '/usr/bin/chromium'
export const ADMIN_PASSWORD = 'e2e-admin-Passw0rd'
/** Password of the demo logins (lht-admin, court-admin, demo-member) when `startBackend({ demo: true })`. */
export const DEMO_PASSWORD = 'e2e-demo-Passw0rd'
/** The demo community's logins, by role. */
export const DEMO_LOGINS = { community_admin: 'lht-admin', unit_admin: 'court-admin', member: 'demo-member' }

export function ensureChromium() {
  if (!existsSync(CHROMIUM)) {
    execFileSync('sh', ['-c', 'apt-get update && apt-get install -y chromium'], { stdio: 'inherit' })
  }
  // Chinese text in screenshots needs a CJK font; the test itself does not depend on it.
  const hasCjk = (() => {
    try {
      return execFileSync('fc-list', [':lang=zh'], { encoding: 'utf8' }).trim() !== ''
    } catch {
      return false
    }
  })()
  if (!hasCjk) {
    try {
      execFileSync('sh', ['-c', 'apt-get install -y fonts-wqy-zenhei || (apt-get update && apt-get install -y fonts-wqy-zenhei)'], { stdio: 'inherit' })
    } catch {
      console.warn('no CJK font could be installed: screenshots will show boxes for Chinese text')
    }
  }
}

function newestMtime(path) {
  const stat = statSync(path)
  if (!stat.isDirectory()) return stat.mtimeMs
  return Math.max(stat.mtimeMs, ...readdirSync(path).map((name) => newestMtime(join(path, name))))
}

/** Builds the SPA unless dist/ is newer than every source (several e2e files run in one `npm test`). */
export function buildSpa() {
  const built = join(FRONTEND, 'dist', 'index.html')
  const sources = ['src', 'packages/client/src', 'index.html', 'vite.config.ts', 'package-lock.json'].map((p) => join(FRONTEND, p))
  if (existsSync(built) && statSync(built).mtimeMs > Math.max(...sources.map(newestMtime))) return
  execFileSync('npm', ['run', '--silent', 'build'], { cwd: FRONTEND, stdio: ['ignore', 'ignore', 'inherit'] })
}

/** Debian's Chromium, headless, with a throw-away profile; viewport and zone as the platform's users. */
export async function launchBrowser(chromium, profile, viewport = { width: 1366, height: 768 }) {
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-quic', '--no-first-run', '--disable-sync'],
    viewport,
    locale: 'zh-CN',
    timezoneId: 'Asia/Shanghai',
  })
  context.setDefaultTimeout(15_000)
  return context
}

function freePort() {
  return new Promise((ok, fail) => {
    const server = createServer()
    server.once('error', fail)
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address()
      server.close(() => ok(port))
    })
  })
}

/** Newest modification time under `path`, leaving out Python's byte-code caches (written by any run). */
function newestSourceMtime(path) {
  const stat = statSync(path)
  if (!stat.isDirectory()) return stat.mtimeMs
  const entries = readdirSync(path).filter((name) => name !== '__pycache__')
  return Math.max(stat.mtimeMs, ...entries.map((name) => newestSourceMtime(join(path, name))))
}

/**
 * A var dir (database and whatever the backend keeps beside it) migrated and loaded once per variant,
 * per state of the backend's code and per day (the demo's dates follow today), then copied for each
 * test file: migrate, load-reference, load-demo and ensure-admin are four Python processes, and the
 * demo alone took 20–50 s a file. Built in a temp folder and renamed, so concurrent files never see
 * half a database.
 */
function preparedVarDir(gongjian, env, { reference, demo }) {
  const variant = demo ? 'demo' : reference ? 'reference' : 'bare'
  const stamp = Math.floor(newestSourceMtime(join(REPO, 'backend', 'gongjian')))
  const day = new Date().toISOString().slice(0, 10)
  // E2E_CACHE: elsewhere (a checkout whose node_modules is another's, linked)
  const cacheRoot = process.env.E2E_CACHE ?? join(FRONTEND, 'node_modules', '.cache', 'gongjian-e2e')
  const prepared = join(cacheRoot, `${variant}-${day}-${stamp}`)
  if (existsSync(prepared)) return prepared
  mkdirSync(cacheRoot, { recursive: true })
  const building = mkdtempSync(join(cacheRoot, `${variant}-building-`))
  const buildEnv = { ...env, DATABASE_URL: `sqlite:///${join(building, 'gongjian.db')}`, GONGJIAN_VAR_DIR: building }
  const run = (...args) => execFileSync(gongjian, args, { env: buildEnv, stdio: ['ignore', 'ignore', 'inherit'] })
  run('migrate')
  if (reference || demo) run('load-reference')
  if (demo) run('load-demo')
  run('ensure-admin')
  try {
    renameSync(building, prepared)
  } catch {
    rmSync(building, { recursive: true, force: true }) // another file got there first
  }
  for (const old of readdirSync(cacheRoot)) {
    if (old.startsWith(`${variant}-`) && !old.includes('-building-') && join(cacheRoot, old) !== prepared) {
      rmSync(join(cacheRoot, old), { recursive: true, force: true })
    }
  }
  return prepared
}

/** The backend's environment for a var dir (the e2e tests' passwords; the built SPA). */
function backendEnv(varDir) {
  return {
    ...process.env,
    DATABASE_URL: `sqlite:///${join(varDir, 'gongjian.db')}`,
    GONGJIAN_VAR_DIR: varDir,
    GONGJIAN_SPA_DIR: join(FRONTEND, 'dist'),
    GONGJIAN_ADMIN_PASSWORD: ADMIN_PASSWORD,
    GONGJIAN_DEMO_PASSWORD: DEMO_PASSWORD,
  }
}

function gongjianBin() {
  const gongjian = join(REPO, '.venv', 'bin', 'gongjian')
  if (!existsSync(gongjian)) throw new Error(`${gongjian} is missing: run \`make install\` at the repository root`)
  return gongjian
}

/**
 * The prepared var dirs of every variant, made once before the test files run side by side
 * (e2e/prepare.mjs, `npm run test:e2e`); each file's `startBackend` then finds its variant made.
 */
export function prepareData() {
  const env = backendEnv(tmpdir())
  for (const variant of [{ demo: true }, { reference: true }, {}]) preparedVarDir(gongjianBin(), env, variant)
}

/**
 * Starts the backend serving the built SPA; resolves once /api/v1/health answers ok.
 * `reference`: also load the reference data (service categories and the reference claim list).
 * `demo`: also load the demo community 老虎头 (implies `reference`), as `make run` does; its logins
 * are `DEMO_LOGINS` with `DEMO_PASSWORD`.
 */
export async function startBackend({ reference = false, demo = false } = {}) {
  const gongjian = gongjianBin()
  const varDir = mkdtempSync(join(tmpdir(), 'gongjian-e2e-'))
  const port = await freePort()
  const env = backendEnv(varDir)
  cpSync(preparedVarDir(gongjian, env, { reference, demo }), varDir, { recursive: true })
  const server = spawn(gongjian, ['serve', '--host', '127.0.0.1', '--port', String(port)], {
    env,
    stdio: ['ignore', 'ignore', 'pipe'],
  })
  let log = ''
  server.stderr.on('data', (chunk) => (log = (log + chunk).slice(-20000)))
  const baseUrl = `http://127.0.0.1:${port}`
  // Importing the app takes ~2 s on an idle machine, but over 30 s was seen with the test lanes and
  // two e2e files at once on a shared 2-core machine (as tests/factories/live_server.py allows).
  const deadline = Date.now() + 120_000
  for (;;) {
    if (server.exitCode !== null) throw new Error(`backend exited early:\n${log}`)
    try {
      const res = await fetch(`${baseUrl}/api/v1/health`)
      if (res.ok && (await res.json()).status === 'ok') break
    } catch {
      /* not listening yet */
    }
    if (Date.now() > deadline) {
      server.kill('SIGKILL') // else the file's process waits on it forever: no `after` can stop it
      rmSync(varDir, { recursive: true, force: true })
      throw new Error(`backend not healthy within 120 s:\n${log}`)
    }
    await new Promise((r) => setTimeout(r, 200))
  }
  return {
    baseUrl,
    log: () => log,
    async stop() {
      if (server.exitCode === null) {
        server.kill('SIGTERM')
        await new Promise((r) => {
          const timer = setTimeout(() => (server.kill('SIGKILL'), r()), 5000)
          server.once('exit', () => (clearTimeout(timer), r()))
        })
      }
      rmSync(varDir, { recursive: true, force: true })
    },
  }
}

/** Signs in through the login screen and waits for the signed-in home page. */
export async function signIn(page, baseUrl, username, password) {
  await page.goto(`${baseUrl}/login`)
  await page.fill('input[name=username]', username)
  await page.fill('input[name=password]', password)
  await page.click('button[type=submit]')
  await page.waitForSelector('[data-test=whoami]')
}

/** Signs out from the user menu and waits for the login screen. */
export async function signOut(page) {
  await page.click('[data-test=user-menu]')
  await page.click('[data-test=logout]:visible')
  await page.waitForURL((u) => u.pathname === '/login')
}

/** Fails when the page itself scrolls sideways (wide tables must scroll inside their own box). */
export async function assertNoSideScroll(page, label) {
  const { scroll, client } = await page.evaluate(() => ({
    scroll: Math.max(document.documentElement.scrollWidth, document.body.scrollWidth),
    client: document.documentElement.clientWidth,
  }))
  assert.ok(scroll <= client, `${label}: page scrolls sideways (${scroll} > ${client})`)
}

// --- the API, called directly by tests that set up or check data faster than the UI would ------

/** An access token for `{ username, password }`. */
export async function apiToken(backend, { username, password }) {
  const form = new URLSearchParams({ username, password, grant_type: 'password' })
  const res = await fetch(`${backend.baseUrl}/api/v1/auth/token`, { method: 'POST', body: form })
  assert.ok(res.ok, `sign-in of ${username}: ${res.status}`)
  return (await res.json()).access_token
}

/** `method path` under /api/v1 with a bearer token and an optional JSON body; fails the test unless 2xx. */
export async function apiCall(backend, method, path, token, body) {
  const res = await fetch(`${backend.baseUrl}/api/v1${path}`, {
    method,
    headers: { Authorization: `Bearer ${token}`, ...(body ? { 'Content-Type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  })
  const data = await res.json().catch(() => null)
  assert.ok(res.ok, `${method} ${path}: ${res.status} ${JSON.stringify(data)}`)
  return data
}
