// Gzipped size of the JavaScript a browser loads for a route's first paint after login: the entry,
// the layout, the route's view, and everything they import (statically, and the view's own lazy
// chunks). Reads dist/.vite/manifest.json, so run `npm run build` first.
//   node scripts/bundle-size.mjs [src/views/home/HomeView.vue] [--max-kb 400]
import { readFileSync } from 'node:fs'
import { gzipSync } from 'node:zlib'

const args = process.argv.slice(2)
const maxIndex = args.indexOf('--max-kb')
const maxKb = maxIndex >= 0 ? Number(args[maxIndex + 1]) : Infinity
const views = args.filter((a, i) => !a.startsWith('--') && i !== maxIndex + 1)
if (!views.length) views.push('src/views/home/HomeView.vue')

const manifest = JSON.parse(readFileSync('dist/.vite/manifest.json', 'utf8'))
const files = new Set()
function visit(key, followDynamic) {
  const chunk = manifest[key]
  if (!chunk || files.has(chunk.file)) return
  files.add(chunk.file)
  for (const dep of chunk.imports ?? []) visit(dep, false)
  if (followDynamic) for (const dep of chunk.dynamicImports ?? []) visit(dep, false)
}
visit('index.html', false)
for (const view of views) visit(view, true)
const sizes = [...files].filter((f) => f.endsWith('.js')).map((f) => [f, gzipSync(readFileSync(`dist/${f}`)).length])
sizes.sort((a, b) => b[1] - a[1])
const total = sizes.reduce((sum, [, n]) => sum + n, 0)
for (const [file, n] of sizes) console.log(`${(n / 1024).toFixed(1).padStart(8)} KB  ${file}`)
console.log(`${(total / 1024).toFixed(1).padStart(8)} KB  gzipped JS for ${views.join(', ')}`)
if (total / 1024 > maxKb) {
  console.error(`over the ${maxKb} KB budget`)
  process.exit(1)
}
