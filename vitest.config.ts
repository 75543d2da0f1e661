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
      { find: /^@tokenledger\/(pricing|store|meter|estimate)$/, replacement: src('./packages/$1/src/index.ts') },
      { find: /^@tokenledger\/(pricing|store|meter|estimate)\/(.+)$/, replacement: src('./packages/$1/src/$2/index.ts') },
    ],
  },
  // vite 8 transforms with oxc (the old `esbuild` block is ignored): .tsx files use hono/jsx.
  oxc: { jsx: { runtime: 'automatic', importSource: 'hono/jsx' } },
  test: {
    // In-process tests meter calls at the real clock: a fixture re-dates the May 2026 DeepSeek and
    // Gemini 2.5 rates so their figures do not depend on the hour (peak windows) or on later price
    // changes. Tests that load the table with `env: {}` and the CLI tests see the real table.
    env: { TOKENLEDGER_PRICES: src('./test/fixtures/prices-frozen-for-tests.json') },
    include: ['packages/*/src/**/*.test.{ts,tsx}', 'apps/*/src/**/*.test.{ts,tsx}', 'test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // The JSON results give .ci/run its closing "N passed, N failed" line.
    reporters: ['default', ['json', { outputFile: 'test-output/vitest-results.json' }]],
  },
})
