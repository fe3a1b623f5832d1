// Unit tests of the app's adapter use, stores and screen logic, in Node with a fake `uni`
// (tests/fakeUni.ts); the pages themselves are driven in Chromium by e2e/.
import { fileURLToPath, URL } from 'node:url'
import { defineConfig } from 'vitest/config'

export default defineConfig({
  define: {
    __API_BASE__: JSON.stringify(''),
    'process.env.UNI_PLATFORM': JSON.stringify('h5'),
  },
  resolve: { alias: { '@': fileURLToPath(new URL('./src', import.meta.url)) } },
  test: {
    include: ['tests/**/*.test.ts'],
    environment: 'node',
    setupFiles: ['tests/setup.ts'],
  },
})
