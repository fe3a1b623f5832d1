import { fileURLToPath, URL } from 'node:url'
import vue from '@vitejs/plugin-vue'
import Components from 'unplugin-vue-components/vite'
import { ElementPlusResolver } from 'unplugin-vue-components/resolvers'
import { defineConfig } from 'vite'

const api = `http://127.0.0.1:${process.env.PORT ?? '8000'}`

export default defineConfig({
  base: '/',
  plugins: [
    vue(),
    // Element Plus components (and their CSS) are imported where a template uses them, not wholesale.
    Components({
      dirs: [],
      resolvers: [ElementPlusResolver({ importStyle: 'css' })],
      dts: 'src/components.d.ts',
    }),
  ],
  resolve: {
    alias: { '@': fileURLToPath(new URL('./src', import.meta.url)) },
  },
  server: {
    proxy: {
      '/api': { target: api, changeOrigin: false },
      '/docs': { target: api, changeOrigin: false },
    },
  },
  build: {
    outDir: 'dist',
    assetsDir: 'assets',
    // The manifest lets scripts/bundle-size.mjs measure what the first screen loads.
    manifest: true,
  },
})
