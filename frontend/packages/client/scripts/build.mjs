// Bundles the client (with openapi-fetch) into plain JavaScript for places that don't compile
// TypeScript: Node scripts (dist/index.mjs) and WeChat mini-programs (dist/wx.cjs, CommonJS, ES2017).
//   node scripts/build.mjs [--outdir DIR]
import { mkdirSync, mkdtempSync, renameSync, rmSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { build } from 'esbuild'

const pkg = resolve(dirname(fileURLToPath(import.meta.url)), '..')
const at = process.argv.indexOf('--outdir')
const outdir = at > 0 ? resolve(process.argv[at + 1]) : resolve(pkg, 'dist')

const common = { bundle: true, platform: 'neutral', target: 'es2017', logLevel: 'warning', mainFields: ['module', 'main'] }
// Written beside the output and renamed into place: the SQLite and PostgreSQL test lanes build it at
// the same moment, and a reader must never see a half-written file.
mkdirSync(outdir, { recursive: true })
const staging = mkdtempSync(join(outdir, '.build-'))
try {
  await build({ ...common, entryPoints: [resolve(pkg, 'src/index.ts')], format: 'esm', outfile: join(staging, 'index.mjs') })
  await build({ ...common, entryPoints: [resolve(pkg, 'src/wx.ts')], format: 'cjs', outfile: join(staging, 'wx.cjs') })
  for (const name of ['index.mjs', 'wx.cjs']) renameSync(join(staging, name), resolve(outdir, name))
} finally {
  rmSync(staging, { recursive: true, force: true })
}
console.log(`built ${outdir}/index.mjs and ${outdir}/wx.cjs`)
