// Bundles the client (with openapi-fetch) into plain JavaScript for places that don't compile
// TypeScript: Node scripts (dist/index.mjs) and WeChat mini-programs (dist/wx.cjs, CommonJS, ES2017).
//   node scripts/build.mjs [--outdir DIR]
import { dirname, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { build } from 'esbuild'

const pkg = resolve(dirname(fileURLToPath(import.meta.url)), '..')
const at = process.argv.indexOf('--outdir')
const outdir = at > 0 ? resolve(process.argv[at + 1]) : resolve(pkg, 'dist')

const common = { bundle: true, platform: 'neutral', target: 'es2017', logLevel: 'warning', mainFields: ['module', 'main'] }
await build({ ...common, entryPoints: [resolve(pkg, 'src/index.ts')], format: 'esm', outfile: resolve(outdir, 'index.mjs') })
await build({ ...common, entryPoints: [resolve(pkg, 'src/wx.ts')], format: 'cjs', outfile: resolve(outdir, 'wx.cjs') })
console.log(`built ${outdir}/index.mjs and ${outdir}/wx.cjs`)
