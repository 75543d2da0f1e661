/**
 * The meter README's SDK samples type-check against the real SDK packages and the built meter's
 * declarations, so a sample that would not compile in a user's TypeScript project fails here (the
 * other sdk-*.test.ts files run the same samples). Needs `pnpm build` (dist declarations).
 */
import { spawnSync } from 'node:child_process'
import { mkdirSync, rmSync, writeFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { readmeSample } from './helpers/readme-sample.js'

const SAMPLES = ['openai', 'anthropic', 'vercel-ai', 'langchain', 'google-genai', 'opentelemetry']

describe('README samples', () => {
  it("type-check under the repository's strict settings", () => {
    const dir = fileURLToPath(new URL(`./helpers/.sample-types-${process.pid}/`, import.meta.url))
    mkdirSync(dir, { recursive: true })
    try {
      for (const name of SAMPLES)
        writeFileSync(
          `${dir}${name}.ts`,
          `${readmeSample('packages/meter/README.md', name)}\nexport {}\n`,
        )
      writeFileSync(
        `${dir}tsconfig.json`,
        JSON.stringify({
          extends: '../../../tsconfig.base.json',
          compilerOptions: {
            noEmit: true,
            composite: false,
            declaration: false,
            declarationMap: false,
            sourceMap: false,
            paths: { '@tokenledger/meter': ['../../../packages/meter/dist/index.d.ts'] },
          },
          include: ['*.ts'],
        }),
      )
      const tsc = fileURLToPath(new URL('../node_modules/typescript/bin/tsc', import.meta.url))
      const result = spawnSync(process.execPath, [tsc, '-p', dir], {
        encoding: 'utf8',
        timeout: 120_000,
      })
      expect(result.stdout + result.stderr).toBe('')
      expect(result.status).toBe(0)
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
