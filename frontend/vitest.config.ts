import { defineConfig, mergeConfig } from 'vitest/config'
import viteConfig from './vite.config'

export default mergeConfig(
  viteConfig,
  defineConfig({
    test: {
      include: ['tests/**/*.test.ts', 'packages/*/tests/**/*.test.ts'],
      // SPA pieces run in a small DOM; the client package's tests declare the plain Node environment.
      environment: 'happy-dom',
      // Components are tested with their Element Plus parts, whose imports of their own CSS
      // only Vite (not Node) can load.
      server: { deps: { inline: ['element-plus'] } },
    },
  }),
)
