// Gzipped JavaScript a phone loads for the h5 app's first screen: the entry and everything it
// imports statically, plus the first page (首页, or 登录 when signed out) and its static imports.
// Reads the Vite manifest of `npm run build:h5` (dist/build/h5/.vite/manifest.json).
//   node scripts/h5-size.mjs [--max-kb 150]
import { readFileSync } from 'node:fs'
import { gzipSync } from 'node:zlib'

const OUT = 'dist/build/h5'
const at = process.argv.indexOf('--max-kb')
const maxKb = at > 0 ? Number(process.argv[at + 1]) : Infinity
const manifest = JSON.parse(readFileSync(`${OUT}/.vite/manifest.json`, 'utf8'))

function closure(keys) {
  const files = new Set()
  const visit = (key) => {
    const chunk = manifest[key]
    if (!chunk || files.has(chunk.file)) return
    files.add(chunk.file)
    for (const dep of chunk.imports ?? []) visit(dep)
  }
  keys.forEach(visit)
  return [...files].filter((f) => f.endsWith('.js'))
}

const entry = Object.keys(manifest).find((k) => manifest[k].isEntry)
const pageKey = (page) => Object.keys(manifest).find((k) => k.startsWith(`src/pages/${page}/index.vue`))
let worst = 0
for (const page of ['home', 'login']) {
  const key = pageKey(page)
  if (!key) throw new Error(`no chunk for src/pages/${page}/index.vue in the manifest`)
  const sizes = closure([entry, key]).map((f) => [f, gzipSync(readFileSync(`${OUT}/${f}`)).length])
  sizes.sort((a, b) => b[1] - a[1])
  const total = sizes.reduce((sum, [, n]) => sum + n, 0)
  console.log(`first screen ${page}:`)
  for (const [file, n] of sizes) console.log(`${(n / 1024).toFixed(1).padStart(8)} KB  ${file}`)
  console.log(`${(total / 1024).toFixed(1).padStart(8)} KB  gzipped JS`)
  worst = Math.max(worst, total)
}
if (worst / 1024 > maxKb) {
  console.error(`over the ${maxKb} KB budget`)
  process.exit(1)
}
