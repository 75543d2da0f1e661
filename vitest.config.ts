import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vitest/config'

const src = (path: string) => fileURLToPath(new URL(path, import.meta.url))

// Tests import the workspace packages from source, so a unit test never runs stale dist/ code.
// CLI tests spawn the built binary instead (the root `test` script builds first).
export default defineConfig({
  resolve: {
    // `@tokenledger/x` -> packages/x/src/index.ts; a subpath `@tokenledger/x/y` -> packages/x/src/y/index.ts.
    alias: [
      { find: /^@tokenledger\/dashboard$/, replacement: src('./apps/dashboard/src/index.ts') },
      { find: /^@tokenledger\/proxy$/, replacement: src('./apps/proxy/src/index.ts') },
      {
        find: /^@tokenledger\/(pricing|store|budget|meter|estimate)$/,
        replacement: src('./packages/$1/src/index.ts'),
      },
      {
        find: /^@tokenledger\/(pricing|store|budget|meter|estimate)\/(.+)$/,
        replacement: src('./packages/$1/src/$2/index.ts'),
      },
    ],
  },
  // vite 8 transforms with oxc (the old `esbuild` block is ignored): .tsx files use hono/jsx.
  oxc: { jsx: { runtime: 'automatic', importSource: 'hono/jsx' } },
  test: {
    include: [
      'packages/*/src/**/*.test.{ts,tsx}',
      'apps/*/src/**/*.test.{ts,tsx}',
      'test/**/*.test.ts',
    ],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // The JSON results give .ci/run its closing "N passed, N failed" line.
    reporters: ['default', ['json', { outputFile: 'test-output/vitest-results.json' }]],
  },
})
