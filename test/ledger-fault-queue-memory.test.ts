/**
 * What a queued call costs in memory (issue 9, item 6). Child processes run the BUILT meter with
 * `--expose-gc`; each call carries a 64 KB prompt.
 * - A full queue: the ledger cannot be opened, so every call stays queued. Before the fix every
 *   queued call kept its request (68.5 KB per record measured, 0.69 GB for a full queue of
 *   10,000); now a waiting call is reduced to its record. The figures printed here are the ones
 *   the meter README quotes.
 * - Between writes: a working ledger whose batches are written only at flush(), so every call
 *   waits queued as calls do between the meter's writes. Once the provider has reported the input
 *   tokens the record estimates nothing from the prompt, and the call lets it go (71 KB per queued
 *   call before, 6.5 KB after); a response without usage keeps it for the estimate.
 */
import { execFile } from 'node:child_process'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { openStore } from '@tokenledger/store'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { fixtureJson } from '../packages/meter/src/normalisers/__fixtures__/read-fixture.js'
import { type ReplayServer, startReplayServer } from './helpers/replay-server.js'

const METER = new URL('../packages/meter/dist/index.js', import.meta.url).href
const CALLS = 1000
/** Calls made between writes (the second part). */
const WAITING = 300
const PROMPT_BYTES = 64 * 1024

let dir: string
let server: ReplayServer

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'tokenledger-queue-memory-'))
  const withUsage = fixtureJson('deepseek-chat-cache-hit.json') as Record<string, unknown>
  const { usage: _usage, ...withoutUsage } = withUsage
  server = await startReplayServer({
    'deepseek-v4-flash': { json: withUsage },
    'without-usage': { json: withoutUsage },
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
${queuedCallsSource('deepseek-v4-flash', CALLS)}
const stats = meter.stats()
console.log(JSON.stringify({ queued: stats.queued, queuedBytes: stats.queuedBytes, dropped: stats.dropped, heapPerRecord: heapPerQueuedCall }))
`,
  )
  return runChild<Measured>(file)
}

/**
 * Child-script source, after its `meter`: one call, then `calls` more, each with a 64 KB prompt
 * answered by `route`; leaves `heapPerQueuedCall`, the heap kept after GC per call still queued.
 */
function queuedCallsSource(route: string, calls: number): string {
  return `const call = async (i) => {
  const prompt = String(i).padEnd(${PROMPT_BYTES}, ' lorem ipsum')
  const response = await meter.fetch(${JSON.stringify(`${server.url}/chat/completions`)}, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-replay': ${JSON.stringify(route)} },
    body: JSON.stringify({ model: 'deepseek-v4-flash', messages: [{ role: 'user', content: prompt }] }),
  })
  await response.json()
}
const settle = async () => {
  for (let i = 0; i < 20; i++) await new Promise((resolve) => setTimeout(resolve, 10))
  globalThis.gc()
  globalThis.gc()
}
await call(-1)
await settle()
const before = process.memoryUsage().heapUsed
const queuedBefore = meter.stats().queued
for (let i = 0; i < ${calls}; i++) await call(i)
await settle()
const heapPerQueuedCall = (process.memoryUsage().heapUsed - before) / (meter.stats().queued - queuedBefore)`
}

/** Runs a child script with `--expose-gc`; resolves to the JSON of its last line. */
function runChild<T>(file: string): Promise<T> {
  return new Promise((resolve, reject) =>
    execFile(process.execPath, ['--expose-gc', file], (error, stdout, stderr) =>
      error
        ? reject(new Error(`${error.message}\n${stderr}`))
        : resolve(JSON.parse(stdout.trim().split('\n').at(-1)!) as T),
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

interface Waiting {
  queued: number
  heapPerQueuedCall: number
  db: string
  /** What the meter told onError. */
  errors: string[]
}

function runWaiting(route: 'deepseek-v4-flash' | 'without-usage'): Promise<Waiting> {
  const db = join(dir, `${route}.db`)
  const file = join(dir, `${route}.mjs`)
  writeFileSync(
    file,
    `import { createMeter } from ${JSON.stringify(METER)}
const errors = []
const meter = createMeter({ store: ${JSON.stringify(`sqlite:${db}`)}, provider: 'deepseek', flushIntervalMs: 3600000, batchSize: 100000, onError: (error) => errors.push(error.message), flushOnExit: false })
${queuedCallsSource(route, WAITING)}
const queued = meter.stats().queued
await meter.close()
console.log(JSON.stringify({ queued, heapPerQueuedCall, db: ${JSON.stringify(db)}, errors }))
`,
  )
  return runChild<Waiting>(file)
}

describe('a queued call and its prompt', () => {
  it('lets the prompt go when the provider reported the input tokens, and records the call as before', async () => {
    const measured = await runWaiting('deepseek-v4-flash')
    expect(measured.errors).toEqual([])
    expect(measured.queued).toBe(WAITING + 1)
    // A 64 KB prompt is 64 KB of heap (one-byte string); what a waiting call keeps is far less.
    expect(measured.heapPerQueuedCall).toBeLessThan(16 * 1024)
    const [total] = await ledgerTotals(measured.db)
    // Every call recorded with the fixture's reported counts, none estimated.
    expect(total).toMatchObject({ calls: WAITING + 1, inputTokens: (WAITING + 1) * 1536 })
    const { rows } = await readCalls(measured.db)
    expect(rows.every((row) => row.requestedModel === 'deepseek-v4-flash')).toBe(true)
    expect(rows.every((row) => row.usage.provenance.inputTokens === 'reported')).toBe(true)
  }, 60_000)

  it('keeps it for the estimate when the response names no usage', async () => {
    const measured = await runWaiting('without-usage')
    // The meter says once that it estimates this provider's usage.
    expect(measured.errors).toHaveLength(1)
    expect(measured.errors[0]).toContain('no usable input or output count')
    expect(measured.queued).toBe(WAITING + 1)
    expect(measured.heapPerQueuedCall).toBeGreaterThan(PROMPT_BYTES)
    // Estimated from the prompt: 4 characters a token plus 4 for the message (estimate-tokens.ts),
    // the same for every call (each prompt is exactly PROMPT_BYTES characters).
    const [total] = await ledgerTotals(measured.db)
    expect(total).toMatchObject({
      calls: WAITING + 1,
      inputTokens: (WAITING + 1) * (PROMPT_BYTES / 4 + 4),
    })
    const { rows } = await readCalls(measured.db)
    expect(rows.every((row) => row.usage.provenance.inputTokens === 'estimated')).toBe(true)
  }, 60_000)
})

async function ledgerTotals(db: string) {
  const store = await openStore(`sqlite:${db}`, { readOnly: true })
  try {
    return await store.summarize({})
  } finally {
    await store.close()
  }
}

async function readCalls(db: string) {
  const store = await openStore(`sqlite:${db}`, { readOnly: true })
  try {
    return await store.listCalls({ limit: WAITING + 1, offset: 0 })
  } finally {
    await store.close()
  }
}
