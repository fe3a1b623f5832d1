// Generates the client's types from the repository's openapi.yaml:
//   src/schema.d.ts  — paths and components, by openapi-typescript
//   src/scopes.ts    — the API-key scopes the spec declares (they live in securitySchemes, which
//                      openapi-typescript does not emit)
// With --check, writes nothing and exits 1 when the committed files differ from what the spec gives.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { execFileSync } from 'node:child_process'
import { parse } from 'yaml'

const here = dirname(fileURLToPath(import.meta.url))
const pkg = resolve(here, '..')
const spec = resolve(pkg, '../../../openapi.yaml')
const check = process.argv.includes('--check')

function scopesModule() {
  const doc = parse(readFileSync(spec, 'utf8'))
  const scopes = doc.components?.securitySchemes?.OAuth2PasswordBearer?.flows?.password?.scopes
  if (!scopes || typeof scopes !== 'object') throw new Error('openapi.yaml declares no OAuth2 scopes')
  const lines = Object.entries(scopes).map(([code, label]) => `  { code: ${JSON.stringify(code)}, label: ${JSON.stringify(label)} },`)
  return [
    '// Generated from openapi.yaml by scripts/generate.mjs — do not edit.',
    '',
    '/** Scopes an API key may be given, with the description the API documents for each. */',
    'export const API_SCOPES = [',
    ...lines,
    '] as const',
    '',
    "export type ApiScope = (typeof API_SCOPES)[number]['code']",
    '',
  ].join('\n')
}

const out = check ? mkdtempSync(join(tmpdir(), 'gj-openapi-')) : join(pkg, 'src')
try {
  const bin = resolve(pkg, '../../node_modules/.bin/openapi-typescript')
  execFileSync(bin, [spec, '--output', join(out, 'schema.d.ts'), '--alphabetize', '--default-non-nullable=false', '--silent'], { stdio: 'inherit' })
  writeFileSync(join(out, 'scopes.ts'), scopesModule())
  if (check) {
    const stale = ['schema.d.ts', 'scopes.ts'].filter(
      (name) => readFileSync(join(out, name), 'utf8') !== readFileSync(join(pkg, 'src', name), 'utf8'),
    )
    if (stale.length) {
      for (const name of stale) {
        try {
          execFileSync('diff', ['-u', join(pkg, 'src', name), join(out, name)], { stdio: 'inherit' })
        } catch {
          /* diff exits 1 when files differ; its output is the point */
        }
      }
      console.error(`openapi:check: ${stale.join(', ')} out of date with openapi.yaml — run \`npm run openapi\``)
      process.exit(1)
    }
    console.log('openapi:check: generated client types match openapi.yaml')
  }
} finally {
  if (check) rmSync(out, { recursive: true, force: true })
}
