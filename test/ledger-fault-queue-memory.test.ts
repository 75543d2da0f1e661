/**
 * What a full queue costs in memory (issue 9, item 6). A child process runs the BUILT meter with
 * `--expose-gc` against a ledger that cannot be opened, so every call stays queued; each call
 * carries a 64 KB prompt. Before the fix every queued call kept its request (68.5 KB per record
 * measured, 0.69 GB for a full queue of 10,000); now a waiting call is reduced to its record. The
 * figures printed here are the ones the meter README quotes.
 */
import { execFile } from 'node:child_process'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { fixtureJson } from '../packages/meter/src/normalisers/__fixtures__/read-fixture.js'
import { type ReplayServer, startReplayServer } from './helpers/replay-server.js'

const METER = new URL('../packages/meter/dist/index.js', import.meta.url).href
const CALLS = 1000
const PROMPT_BYTES = 64 * 1024

let dir: string
let server: ReplayServer

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'tokenledger-queue-memory-'))
  server = await startReplayServer({
    'deepseek-v4-flash': { json: fixtureJson('deepseek-chat-cache-hit.json') },
  })
})

afterAll(async () => {
  await server?.close()
  rmSync(dir, { recursive: true, force: true })
})

interface Measured {
  queued: number
  queuedBytes: number
  dropped: number
  heapPerRecord: number
}

function run(options: string): Promise<Measured> {
  const db = join(dir, `unopenable-${Math.random().toString(36).slice(2)}.db`)
  mkdirSync(db)
  const file = join(dir, `child-${Math.random().toString(36).slice(2)}.mjs`)
  writeFileSync(
    file,
    `import { createMeter } from ${JSON.stringify(METER)}
const meter = createMeter({ store: ${JSON.stringify(`sqlite:${db}`)}, provider: 'deepseek', flushIntervalMs: 5, retryDelayMs: 5, onError: () => {}, flushOnExit: false, ${options} })
const call = async (i) => {
  const prompt = String(i).padEnd(${PROMPT_BYTES}, ' lorem ipsum')
  const response = await meter.fetch(${JSON.stringify(`${server.url}/chat/completions`)}, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'deepseek-v4-flash', messages: [{ role: 'user', content: prompt }] }),
  })
  await response.json()
}
await call(-1)
const settle = async () => {
  for (let i = 0; i < 20; i++) await new Promise((resolve) => setTimeout(resolve, 10))
  globalThis.gc()
  globalThis.gc()
}
await settle()
const before = process.memoryUsage().heapUsed
const queuedBefore = meter.stats().queued
for (let i = 0; i < ${CALLS}; i++) await call(i)
await settle()
const after = process.memoryUsage().heapUsed
const stats = meter.stats()
console.log(JSON.stringify({ queued: stats.queued, queuedBytes: stats.queuedBytes, dropped: stats.dropped, heapPerRecord: (after - before) / (stats.queued - queuedBefore) }))
`,
  )
  return new Promise((resolve, reject) =>
    execFile(process.execPath, ['--expose-gc', file], (error, stdout, stderr) =>
      error
        ? reject(new Error(`${error.message}\n${stderr}`))
        : resolve(JSON.parse(stdout.trim()) as Measured),
    ),
  )
}

describe('a full queue', () => {
  it(`keeps counts, not prompts: ${CALLS} queued calls with 64 KB prompts`, async () => {
    const measured = await run('')
    console.log(`queue memory: ${JSON.stringify(measured)}`)
    expect(measured).toMatchObject({ queued: CALLS + 1, dropped: 0 })
    // A prompt alone is 64 KB; a record is about 1 KB.
    expect(measured.heapPerRecord).toBeLessThan(8 * 1024)
    expect(measured.queuedBytes / measured.queued).toBeLessThan(4 * 1024)
  }, 120_000)

  it('is bounded in bytes too: beyond maxQueueBytes the oldest go, and they are counted', async () => {
    const measured = await run('maxQueueBytes: 200_000')
    expect(measured.queuedBytes).toBeLessThanOrEqual(200_000)
    expect(measured.dropped).toBe(CALLS + 1 - measured.queued)
    expect(measured.dropped).toBeGreaterThan(0)
  }, 120_000)
})
