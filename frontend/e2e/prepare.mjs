// Run by `npm run test:e2e` before the test files (which run two at a time): Chromium, the SPA's
// build and the backend's prepared databases (migrate, load-reference, load-demo), made once
// rather than raced for by the first files. The SPA builds while the databases load (one core each).
import { spawn } from 'node:child_process'
import { buildSpa, ensureChromium, prepareData } from './harness.mjs'

if (process.argv[2] === 'data') {
  prepareData()
} else {
  ensureChromium()
  const data = spawn(process.execPath, [import.meta.filename, 'data'], { stdio: 'inherit' })
  const exited = new Promise((resolve) => data.on('exit', resolve))
  buildSpa()
  const code = await exited
  if (code !== 0) {
    console.error(`preparing the e2e databases failed (exit ${code})`)
    process.exit(1)
  }
}
