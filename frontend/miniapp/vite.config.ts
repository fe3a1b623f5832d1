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

/**
 * Nothing loads from another origin (the h5 app runs under the backend's CSP, and an intranet has no
 * internet): wot-design-uni's icon font points at a CDN first (its h5 build also declares the same
 * font from its own file, so the CDN one is dropped there; the mini-program gets the font inline),
 * and uni-h5's page-head shadow images come from DCloud's CDN (dropped: the app sets no shadow).
 */
function selfContained(): Plugin {
  const require = createRequire(import.meta.url)
  const fontFile = resolve(require.resolve('wot-design-uni/package.json'), '../components/wd-icon/wd-icons.ttf')
  const remoteFontFace = /@font-face\s*\{[^}]*https:\/\/at\.alicdn\.com[^}]*\}/g
  const remoteFontSrc = /src:\s*url\(['"]?https:\/\/at\.alicdn\.com[^;}]*/g
  const remoteImage = /url\(['"]?https:\/\/cdn\.dcloud\.net\.cn\/[^)]*\)/g
  return {
    name: 'gongjian-self-contained',
    enforce: 'post',
    generateBundle(_options, bundle) {
      const h5 = process.env.UNI_PLATFORM === 'h5'
      for (const file of Object.values(bundle)) {
        if (file.type !== 'asset' || !/\.(css|wxss)$/.test(file.fileName)) continue
        let css = typeof file.source === 'string' ? file.source : Buffer.from(file.source).toString('utf8')
        if (!css.includes('alicdn.com') && !css.includes('cdn.dcloud.net.cn')) continue
        if (h5) css = css.replace(remoteFontFace, '')
        else css = css.replace(remoteFontSrc, `src:url("data:font/ttf;base64,${readFileSync(fontFile).toString('base64')}") format("truetype")`)
        file.source = css.replace(remoteImage, 'none')
      }
    },
  }
}

export default defineConfig({
  plugins: [uni(), wechatAppId(), selfContained()],
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
