import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vitest/config'

const src = (path: string) => fileURLToPath(new URL(path, import.meta.url))

// Tests import the workspace packages from source, so a unit test never runs stale dist/ code.
// CLI tests spawn the built binary instead (the root `test` script builds first).
export default defineConfig({
  resolve: {
    alias: {
      '@tokenledger/pricing': src('./packages/pricing/src/index.ts'),
      '@tokenledger/store': src('./packages/store/src/index.ts'),
      '@tokenledger/meter': src('./packages/meter/src/index.ts'),
      '@tokenledger/estimate': src('./packages/estimate/src/index.ts'),
      '@tokenledger/dashboard': src('./apps/dashboard/src/index.ts'),
    },
  },
  // vite 8 transforms with oxc (the old `esbuild` block is ignored): .tsx files use hono/jsx.
  oxc: { jsx: { runtime: 'automatic', importSource: 'hono/jsx' } },
  test: {
    include: ['packages/*/src/**/*.test.{ts,tsx}', 'apps/*/src/**/*.test.{ts,tsx}', 'test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
  },
})
