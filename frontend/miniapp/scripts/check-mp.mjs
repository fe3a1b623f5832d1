// Checks the WeChat mini-program build (dist/build/mp-weixin, from `npm run build:mp-weixin`):
// - app.json lists exactly the pages (and sub-packages) of src/pages.json, in order;
// - the main package is under WeChat's 2 MB limit and within this project's 1.5 MB budget;
// - no web-only API (window., document., localStorage) made it into the mini-program's code, and
//   no style loads a remote resource.
//   node scripts/check-mp.mjs [--budget-kb 1536]
import { readFileSync, readdirSync, statSync } from 'node:fs'
import { join, relative, sep } from 'node:path'

const OUT = 'dist/build/mp-weixin'
const WECHAT_LIMIT = 2 * 1024 * 1024
const at = process.argv.indexOf('--budget-kb')
const budget = (at > 0 ? Number(process.argv[at + 1]) : 1536) * 1024
const failures = []

/** pages.json may carry comments (uni-app's own format allows them). */
function readJsonc(path) {
  const text = readFileSync(path, 'utf8').replace(/("(?:[^"\\]|\\.)*")|\/\/[^\n]*|\/\*[\s\S]*?\*\//g, (m, s) => s ?? '')
  return JSON.parse(text)
}

const source = readJsonc('src/pages.json')
const app = JSON.parse(readFileSync(join(OUT, 'app.json'), 'utf8'))
const sourcePages = source.pages.map((p) => p.path)
if (JSON.stringify(app.pages) !== JSON.stringify(sourcePages)) {
  failures.push(`app.json pages ${JSON.stringify(app.pages)} differ from pages.json ${JSON.stringify(sourcePages)}`)
}
const subOf = (list) => (list ?? []).map((s) => ({ root: s.root, pages: s.pages.map((p) => (typeof p === 'string' ? p : p.path)) }))
const sourceSubs = subOf(source.subPackages ?? source.subpackages)
const appSubs = subOf(app.subPackages ?? app.subpackages)
if (JSON.stringify(appSubs) !== JSON.stringify(sourceSubs)) {
  failures.push(`app.json sub-packages ${JSON.stringify(appSubs)} differ from pages.json ${JSON.stringify(sourceSubs)}`)
}
if (source.tabBar && JSON.stringify(app.tabBar?.list?.map((t) => t.pagePath)) !== JSON.stringify(source.tabBar.list.map((t) => t.pagePath))) {
  failures.push('app.json tab bar differs from pages.json')
}

function files(dir) {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name)
    return statSync(path).isDirectory() ? files(path) : [path]
  })
}
const subRoots = sourceSubs.map((s) => s.root.replace(/\/$/, '') + '/')
const all = files(OUT)
const inMain = all.filter((f) => {
  const rel = relative(OUT, f).split(sep).join('/')
  return !subRoots.some((root) => rel.startsWith(root)) && !rel.endsWith('.map')
})
const mainBytes = inMain.reduce((sum, f) => sum + statSync(f).size, 0)
console.log(`main package: ${(mainBytes / 1024).toFixed(1)} KB in ${inMain.length} files (budget ${budget / 1024} KB, WeChat's limit 2048 KB)`)
if (mainBytes >= WECHAT_LIMIT) failures.push(`main package ${mainBytes} bytes is over WeChat's 2 MB limit`)
if (mainBytes > budget) failures.push(`main package ${(mainBytes / 1024).toFixed(1)} KB is over the ${budget / 1024} KB budget`)

// `typeof window` checks are fine (they look before touching); a member access is not.
const WEB_ONLY = [/\bwindow\s*\.\s*[A-Za-z_$]/, /\bdocument\s*\.\s*[A-Za-z_$]/, /\blocalStorage\b/, /\bsessionStorage\b/, /\bXMLHttpRequest\b/]
for (const file of all.filter((f) => f.endsWith('.js') || f.endsWith('.wxs'))) {
  const text = readFileSync(file, 'utf8')
  for (const pattern of WEB_ONLY) {
    const m = pattern.exec(text)
    if (m) failures.push(`${relative(OUT, file)} uses a web-only API: …${text.slice(Math.max(0, m.index - 40), m.index + 40)}…`)
  }
}

// Styles load nothing from another origin (fonts inline, images packaged).
for (const file of all.filter((f) => f.endsWith('.wxss'))) {
  const m = /url\(\s*['"]?(https?:)?\/\//.exec(readFileSync(file, 'utf8'))
  if (m) failures.push(`${relative(OUT, file)} loads a remote resource: ${m[0]}…`)
}

if (failures.length) {
  for (const f of failures) console.error(`✗ ${f}`)
  process.exit(1)
}
console.log(`✓ mp-weixin: ${app.pages.length} pages as in pages.json, no web-only API in ${all.filter((f) => f.endsWith('.js')).length} scripts`)
