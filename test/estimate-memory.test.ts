import { spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
// @ts-expect-error: plain ESM JavaScript shared with the benchmark, no type declarations
import { writeBatchFile } from '../bench/estimate-corpus.mjs'

// Runs the BUILT estimator in a child process with a small heap, the way the CLI runs it.
const ESTIMATE = pathToFileURL(
  fileURLToPath(new URL('../packages/estimate/dist/index.js', import.meta.url)),
).href
const PRICING = pathToFileURL(
  fileURLToPath(new URL('../packages/pricing/dist/index.js', import.meta.url)),
).href
const PRICES = fileURLToPath(
  new URL('../packages/estimate/src/__fixtures__/test-prices.json', import.meta.url),
)
// The encoder tables take about 80 MB of heap; 128 MB leaves well under the file's size for the rest.
const HEAP_MB = 128

const dir = mkdtempSync(join(tmpdir(), 'tokenledger-estimate-memory-'))
const file = join(dir, 'batch-50k.jsonl')
let fileBytes = 0
beforeAll(async () => {
  if (!existsSync(fileURLToPath(ESTIMATE)))
    throw new Error('packages/estimate/dist is missing: run `pnpm build` first')
  // 50,000 requests (the Batch API's maximum count) of realistic shape, about 60 MB.
  await writeBatchFile(file, { requests: 50_000, systemChars: 500, userChars: 250 })
  fileBytes = statSync(file).size
})
afterAll(() => rmSync(dir, { recursive: true, force: true }))

function runChild(script: string) {
  const result = spawnSync(
    process.execPath,
    [`--max-old-space-size=${HEAP_MB}`, '--input-type=module', '-e', script],
    {
      encoding: 'utf8',
      timeout: 120_000,
    },
  )
  return { code: result.status, stdout: result.stdout, stderr: result.stderr }
}

describe('estimating a 50,000-request file', () => {
  it('streams it with flat memory under a heap smaller than the file needs', () => {
    expect(fileBytes).toBeGreaterThan(50_000_000)
    const result = runChild(`
      import { countTokens, estimateBatch } from ${JSON.stringify(ESTIMATE)}
      import { loadPricingTable } from ${JSON.stringify(PRICING)}
      const table = loadPricingTable({ bundled: false, env: {}, overrides: [${JSON.stringify(PRICES)}] })
      countTokens('warm up the encoder', 'gpt-4o-mini')
      const base = process.memoryUsage()
      let peakRss = base.rss
      let peakHeap = base.heapUsed
      const sample = () => {
        const now = process.memoryUsage()
        peakRss = Math.max(peakRss, now.rss)
        peakHeap = Math.max(peakHeap, now.heapUsed)
      }
      const timer = setInterval(sample, 10)
      const estimate = await estimateBatch({ file: ${JSON.stringify(file)}, table, workers: 0, at: new Date('2026-05-01T00:00:00Z'), onProgress: sample })
      clearInterval(timer)
      console.log(JSON.stringify({ requests: estimate.requests, skipped: estimate.skipped, inputTokens: estimate.inputTokens, rssGrowth: peakRss - base.rss, heapGrowth: peakHeap - base.heapUsed }))
    `)
    expect(result.stderr).toBe('')
    expect(result.code).toBe(0)
    const figures = JSON.parse(result.stdout)
    expect(figures).toMatchObject({ requests: 50_000, skipped: 0 })
    expect(figures.inputTokens).toBeGreaterThan(50_000 * 150)
    // Holding the file (or its lines, or its parsed requests) would take at least its size.
    expect(figures.rssGrowth).toBeLessThan(fileBytes)
    expect(figures.heapGrowth).toBeLessThan(fileBytes / 2)
  })

  it('the same heap limit does not fit an estimator that holds the file (control)', () => {
    // The least a non-streaming estimator holds: the encoder and the file's lines (not even parsed).
    const result = runChild(`
      import { readFileSync } from 'node:fs'
      import { countTokens } from ${JSON.stringify(ESTIMATE)}
      countTokens('warm up the encoder', 'gpt-4o-mini')
      const lines = readFileSync(${JSON.stringify(file)}, 'utf8').split('\\n')
      console.log(lines.length)
    `)
    expect(result.code).not.toBe(0)
    expect(result.stderr).toMatch(/heap out of memory/i)
  })
})
