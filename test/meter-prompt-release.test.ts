/**
 * A finished call waiting in the queue for its batch keeps what its record needs, not its prompt,
 * once the provider has reported the input tokens (the record then estimates nothing from the
 * prompt). A child process runs the BUILT meter with `--expose-gc` on a working SQLite ledger
 * whose batches are written only at flush(), so every call waits queued, as calls do between the
 * meter's writes; each call carries a 64 KB prompt. Before the fix each waiting call held its
 * request body until its batch was written. A response without usage still keeps the prompt for
 * the estimate.
 */
import { execFile } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { openStore } from '@tokenledger/store'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { fixtureJson } from '../packages/meter/src/normalisers/__fixtures__/read-fixture.js'
import { type ReplayServer, startReplayServer } from './helpers/replay-server.js'

const METER = new URL('../packages/meter/dist/index.js', import.meta.url).href
const CALLS = 300
const PROMPT_BYTES = 64 * 1024

let dir: string
let server: ReplayServer

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'tokenledger-prompt-release-'))
  const withUsage = fixtureJson('deepseek-chat-cache-hit.json') as Record<string, unknown>
  const { usage: _usage, ...withoutUsage } = withUsage
  server = await startReplayServer({
    'with-usage': { json: withUsage },
    'without-usage': { json: withoutUsage },
  })
})

afterAll(async () => {
  await server?.close()
  rmSync(dir, { recursive: true, force: true })
})

interface Measured {
  queued: number
  heapPerQueuedCall: number
  db: string
  /** What the meter told onError. */
  errors: string[]
}

function run(route: 'with-usage' | 'without-usage'): Promise<Measured> {
  const db = join(dir, `${route}.db`)
  const file = join(dir, `${route}.mjs`)
  writeFileSync(
    file,
    `import { createMeter } from ${JSON.stringify(METER)}
const errors = []
const meter = createMeter({ store: ${JSON.stringify(`sqlite:${db}`)}, provider: 'deepseek', flushIntervalMs: 3600000, batchSize: 100000, onError: (error) => errors.push(error.message), flushOnExit: false })
const call = async (i) => {
  const prompt = String(i).padEnd(${PROMPT_BYTES}, ' lorem ipsum')
  const response = await meter.fetch(${JSON.stringify(`${server.url}/chat/completions`)}, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-replay': ${JSON.stringify(route)} },
    body: JSON.stringify({ model: 'deepseek-v4-flash', messages: [{ role: 'user', content: prompt }] }),
  })
  await response.json()
}
const settle = async () => {
  for (let i = 0; i < 10; i++) await new Promise((resolve) => setTimeout(resolve, 5))
  globalThis.gc()
  globalThis.gc()
}
await call(-1)
await settle()
const before = process.memoryUsage().heapUsed
const queuedBefore = meter.stats().queued
for (let i = 0; i < ${CALLS}; i++) await call(i)
await settle()
const after = process.memoryUsage().heapUsed
const queued = meter.stats().queued
await meter.close()
console.log(JSON.stringify({ queued, heapPerQueuedCall: (after - before) / (queued - queuedBefore), db: ${JSON.stringify(db)}, errors }))
`,
  )
  return new Promise((resolve, reject) =>
    execFile(process.execPath, ['--expose-gc', file], (error, stdout, stderr) =>
      error || stderr
        ? reject(error ?? new Error(stderr))
        : resolve(JSON.parse(stdout.trim().split('\n').at(-1)!) as Measured),
    ),
  )
}

describe('a queued call and its prompt', () => {
  it('lets the prompt go when the provider reported the input tokens, and records the call as before', async () => {
    const measured = await run('with-usage')
    expect(measured.errors).toEqual([])
    expect(measured.queued).toBe(CALLS + 1)
    // A 64 KB prompt is 64 KB of heap (one-byte string); what a waiting call keeps is far less.
    expect(measured.heapPerQueuedCall).toBeLessThan(16 * 1024)
    const store = await openStore(`sqlite:${measured.db}`, { readOnly: true })
    try {
      const { total, rows } = await store.listCalls({ limit: 1, offset: 0 })
      expect(total).toBe(CALLS + 1)
      expect(rows[0]).toMatchObject({ requestedModel: 'deepseek-v4-flash', status: 'ok' })
      expect(rows[0]!.usage.provenance.inputTokens).toBe('reported')
    } finally {
      await store.close()
    }
  }, 60_000)

  it('keeps it for the estimate when the response names no usage', async () => {
    const measured = await run('without-usage')
    // The meter says once that it estimates this provider's usage.
    expect(measured.errors).toHaveLength(1)
    expect(measured.errors[0]).toContain('no usable input or output count')
    expect(measured.queued).toBe(CALLS + 1)
    expect(measured.heapPerQueuedCall).toBeGreaterThan(PROMPT_BYTES)
    const store = await openStore(`sqlite:${measured.db}`, { readOnly: true })
    try {
      const { rows } = await store.listCalls({ limit: 1, offset: 0 })
      expect(rows[0]!.usage.provenance.inputTokens).toBe('estimated')
      // About 4 characters a token: a 64 KB prompt is thousands of tokens, not zero.
      expect(rows[0]!.usage.inputTokens).toBeGreaterThan(PROMPT_BYTES / 16)
    } finally {
      await store.close()
    }
  }, 60_000)
})
