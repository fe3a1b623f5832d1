// uni-app's Vite build for both targets: `uni build` (h5, served by the backend at /m/) and
// `uni build -p mp-weixin` (the WeChat mini-program folder dist/build/mp-weixin).
import { readFileSync, writeFileSync, existsSync } from 'node:fs'
import { createRequire } from 'node:module'
import { resolve } from 'node:path'
import uniPlugin from '@dcloudio/vite-plugin-uni'
import { defineConfig, type Plugin } from 'vite'

// The package is CommonJS; under ESM its default export may arrive wrapped once more.
const uni = ((uniPlugin as unknown as { default?: typeof uniPlugin }).default ?? uniPlugin) as typeof uniPlugin

/**
 * uni-app's mini-program build names a file from node_modules after its path relative to src/,
 * expecting node_modules beside src/ ('../node_modules/x' → 'node-modules/x' in the output). In this
 * npm workspace packages are hoisted to frontend/node_modules, one level further up, which would give
 * '../node-modules/x', a name Rollup refuses (and that would point outside the mini-program folder).
 * Every such name goes through these two functions of uni-cli-shared (called through its exports at
 * each use), so they are wrapped to keep the hoisted packages under the output's node-modules/ too.
 */
function keepHoistedModulesInside(): void {
  const require = createRequire(import.meta.url)
  const utils = require('@dcloudio/uni-cli-shared/dist/utils.js') as Record<string, (...args: string[]) => string>
  if ((utils as { __gongjianWrapped?: boolean }).__gongjianWrapped) return
  const inside = (name: string) => name.replace(/^(\.\.\/)+node-modules\//, 'node-modules/')
  for (const name of ['normalizeNodeModules', 'normalizeMiniProgramFilename']) {
    const original = utils[name]
    utils[name] = (...args: string[]) => inside(original(...args))
  }
  ;(utils as { __gongjianWrapped?: boolean }).__gongjianWrapped = true
}
keepHoistedModulesInside()

const api = `http://127.0.0.1:${process.env.PORT ?? '8000'}`

/**
 * The mini-program's AppID is never committed: manifest.json holds WeChat's placeholder
 * `touristappid`, and the build writes `GONGJIAN_WECHAT_APPID` (the same variable the backend reads
 * for jscode2session) into the generated project.config.json.
 */
function wechatAppId(): Plugin {
  return {
    name: 'gongjian-wechat-appid',
    apply: 'build',
    closeBundle() {
      const appid = process.env.GONGJIAN_WECHAT_APPID
      const out = process.env.UNI_OUTPUT_DIR
      if (!appid || !out || process.env.UNI_PLATFORM !== 'mp-weixin') return
      const file = resolve(out, 'project.config.json')
      if (!existsSync(file)) return
      const config = JSON.parse(readFileSync(file, 'utf8'))
      config.appid = appid
      writeFileSync(file, JSON.stringify(config, null, 2))
    },
  }
}

export default defineConfig({
  plugins: [uni(), wechatAppId()],
  define: {
    // Where the mini-program reaches the API (https origin, no path); the h5 build is same-origin.
    __API_BASE__: JSON.stringify(process.env.UNI_PLATFORM === 'mp-weixin' ? (process.env.GONGJIAN_API_BASE ?? '') : ''),
  },
  // The manifest lets scripts/h5-size.mjs measure what the first screen loads.
  build: process.env.UNI_PLATFORM === 'h5' ? { manifest: true } : {},
  server: {
    proxy: { '/api': { target: api, changeOrigin: false } },
  },
})
