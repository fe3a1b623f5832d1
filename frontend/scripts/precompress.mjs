// Writes `<file>.br` and `<file>.gz` beside every compressible file of a build, at the highest
// levels (done once at build time, so the server never compresses per request). The server sends
// the variant the client accepts (app.py, `_static_answer`). Usage: node scripts/precompress.mjs <dir>...
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { brotliCompressSync, constants, gzipSync } from 'node:zlib'

const COMPRESSIBLE = /\.(js|mjs|css|html|svg|json|txt|xml|ico|webmanifest|ttf|otf|eot)$/
const MIN_BYTES = 1024 // below a packet, compressing saves nothing

function* files(dir) {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name)
    if (statSync(path).isDirectory()) yield* files(path)
    else yield path
  }
}

for (const dir of process.argv.slice(2)) {
  let raw = 0
  let br = 0
  let count = 0
  for (const path of files(dir)) {
    if (!COMPRESSIBLE.test(path)) continue
    const data = readFileSync(path)
    if (data.length < MIN_BYTES) continue
    const brotli = brotliCompressSync(data, {
      params: {
        [constants.BROTLI_PARAM_QUALITY]: constants.BROTLI_MAX_QUALITY,
        [constants.BROTLI_PARAM_SIZE_HINT]: data.length,
      },
    })
    writeFileSync(`${path}.br`, brotli)
    writeFileSync(`${path}.gz`, gzipSync(data, { level: 9 }))
    raw += data.length
    br += brotli.length
    count += 1
  }
  console.log(`precompressed ${count} files in ${dir}: ${(raw / 1024).toFixed(0)} KB → ${(br / 1024).toFixed(0)} KB brotli`)
}
