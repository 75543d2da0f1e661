/**
 * The meter never breaks the caller (DESIGN.md invariant 2): with the ledger locked by another
 * writer, opened read-only, or not openable at all, every call returns normally, onError is told,
 * the records wait in memory, and once the ledger takes writes again `flush()` writes every one.
 *
 * How the ledger is made unwritable (chmod would not stop root):
 * - locked: a second connection holds `BEGIN EXCLUSIVE` on the SQLite file, so the meter's
 *   `BEGIN IMMEDIATE` hits SQLITE_BUSY after the store's busy timeout (20 ms here);
 * - unopenable: a directory sits where the ledger file should be (SQLITE_CANTOPEN);
 * - read-only: the meter is handed a store opened with `{ readOnly: true }`.
 */
import { execFile } from 'node:child_process'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createMeter, type MeterErrorContext } from '@tokenledger/meter'
import { isTokenledgerError } from '@tokenledger/pricing'
import { openStore } from '@tokenledger/store'
import OpenAI from 'openai'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import {
  fixtureJson,
  fixtureText,
} from '../packages/meter/src/normalisers/__fixtures__/read-fixture.js'
import { type ReplayServer, startReplayServer } from './helpers/replay-server.js'

// The store's own SQLite driver, to hold a lock from a second connection like another process would.
const requireFromStore = createRequire(new URL('../packages/store/package.json', import.meta.url))
const Database = requireFromStore('better-sqlite3') as new (path: string) => {
  exec(sql: string): void
  close(): void
}

const QUESTION = [{ role: 'user' as const, content: 'Summarise clause 4.' }]

let dir: string
let server: ReplayServer

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'tokenledger-meter-unwritable-'))
  server = await startReplayServer({
    'deepseek-v4-flash': { json: fixtureJson('deepseek-chat-cache-hit.json') },
    stream: { sse: fixtureText('deepseek-stream-reasoning.sse') },
  })
})

afterAll(async () => {
  await server?.close()
  rmSync(dir, { recursive: true, force: true })
})

/** Makes one non-streamed and one streamed call; returns the request ids the caller saw. */
async function twoCalls(client: OpenAI): Promise<string[]> {
  const { data, response } = await client.chat.completions
    .create({ model: 'deepseek-v4-flash', messages: QUESTION })
    .withResponse()
  expect(data.usage?.prompt_tokens).toBe(1536)
  const { data: stream, response: streamResponse } = await client.chat.completions
    .create(
      { model: 'deepseek-v4-flash', messages: QUESTION, stream: true },
      { headers: { 'x-replay': 'stream' } },
    )
    .withResponse()
  let text = ''
  for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? ''
  expect(text).toBe('The capital of Australia is Canberra.')
  return [response.headers.get('x-request-id')!, streamResponse.headers.get('x-request-id')!]
}

async function storedRequestIds(db: string): Promise<string[]> {
  const store = await openStore(`sqlite:${db}`, { readOnly: true })
  try {
    const { rows } = await store.listCalls({ limit: 1000, offset: 0 })
    return rows.map((row) => row.requestId!).sort()
  } finally {
    await store.close()
  }
}

describe('an unwritable ledger never breaks the caller', () => {
  it('locked by another writer mid-run: calls go on, onError fires, flush() writes everything after', async () => {
    const db = join(dir, 'locked.db')
    const store = await openStore(`sqlite:${db}`, { busyTimeoutMs: 20 })
    const errors: Array<{ error: Error; context: MeterErrorContext }> = []
    const meter = createMeter({
      store,
      onError: (error, context) => errors.push({ error, context }),
      flushIntervalMs: 5,
      retryDelayMs: 10,
      flushOnExit: false,
    })
    const client = meter.wrap(new OpenAI({ baseURL: server.url, apiKey: 'test', maxRetries: 0 }), {
      provider: 'deepseek',
    })

    const seen = await twoCalls(client)
    await meter.flush()
    expect(await storedRequestIds(db)).toEqual([...seen].sort())

    const locker = new Database(db)
    locker.exec('BEGIN EXCLUSIVE')
    try {
      for (let i = 0; i < 5; i++) seen.push(...(await twoCalls(client)))
      // The background writer has tried, failed on the lock and told onError.
      await vi.waitFor(() => expect(errors.length).toBeGreaterThan(0), {
        timeout: 5000,
        interval: 10,
      })
      expect(errors[0]!.context.phase).toBe('write')
      expect(isTokenledgerError(errors[0]!.error, 'STORE_UNAVAILABLE')).toBe(true)
      await expect(meter.flush()).rejects.toMatchObject({ code: 'STORE_UNAVAILABLE' })
      expect(meter.stats().queued).toBe(10)
    } finally {
      locker.exec('ROLLBACK')
      locker.close()
    }

    await meter.flush()
    expect(meter.stats()).toMatchObject({ queued: 0, written: 12, dropped: 0 })
    expect(await storedRequestIds(db)).toEqual([...seen].sort())
    await meter.close()
    await store.close()
  })

  it('not openable (a directory where the file should be): records wait and land once it can be opened', async () => {
    const db = join(dir, 'gone.db')
    mkdirSync(db)
    const errors: MeterErrorContext[] = []
    const meter = createMeter({
      store: `sqlite:${db}`,
      onError: (_error, context) => errors.push(context),
      flushIntervalMs: 5,
      retryDelayMs: 10,
      flushOnExit: false,
    })
    const client = meter.wrap(new OpenAI({ baseURL: server.url, apiKey: 'test', maxRetries: 0 }), {
      provider: 'deepseek',
    })
    const seen = await twoCalls(client)
    await expect(meter.flush()).rejects.toMatchObject({ code: 'STORE_UNAVAILABLE' })
    expect(errors.some((context) => context.phase === 'open')).toBe(true)

    rmSync(db, { recursive: true })
    await meter.close()
    expect(await storedRequestIds(db)).toEqual([...seen].sort())
  })

  it('read-only: calls go on and every failed write is reported', async () => {
    const db = join(dir, 'read-only.db')
    await (await openStore(`sqlite:${db}`)).close()
    const readOnly = await openStore(`sqlite:${db}`, { readOnly: true })
    const errors: Error[] = []
    const meter = createMeter({
      store: readOnly,
      onError: (error) => errors.push(error),
      flushOnExit: false,
    })
    const client = meter.wrap(new OpenAI({ baseURL: server.url, apiKey: 'test', maxRetries: 0 }), {
      provider: 'deepseek',
    })
    await twoCalls(client)
    await expect(meter.flush()).rejects.toMatchObject({ code: 'STORE_UNAVAILABLE' })
    expect(errors.length).toBeGreaterThan(0)
    expect(meter.stats().queued).toBe(2)
    await readOnly.close()
  })

  it('beyond maxQueue drops the oldest records and reports how many', async () => {
    const db = join(dir, 'bounded.db')
    const store = await openStore(`sqlite:${db}`, { busyTimeoutMs: 20 })
    const drops: number[] = []
    const meter = createMeter({
      store,
      maxQueue: 4,
      flushIntervalMs: 5,
      retryDelayMs: 10,
      // A throwing onError must not break anything either.
      onError: (_error, context) => {
        if (context.phase === 'drop') drops.push(context.records!)
        throw new Error('onError itself fails')
      },
      flushOnExit: false,
    })
    const client = meter.wrap(new OpenAI({ baseURL: server.url, apiKey: 'test', maxRetries: 0 }), {
      provider: 'deepseek',
    })
    const locker = new Database(db)
    locker.exec('BEGIN EXCLUSIVE')
    const seen: string[] = []
    try {
      for (let i = 0; i < 3; i++) seen.push(...(await twoCalls(client)))
    } finally {
      locker.exec('ROLLBACK')
      locker.close()
    }
    await meter.flush()
    // Six calls, room for four: the two oldest went, and onError heard about both.
    expect(drops.reduce((a, b) => a + b, 0)).toBe(2)
    expect(meter.stats()).toMatchObject({ dropped: 2, queued: 0 })
    expect(await storedRequestIds(db)).toEqual(seen.slice(2).sort())
    await meter.close()
    await store.close()
  })

  it('with the default onError, a meter that cannot write says so on stderr, once per kind', async () => {
    // The BUILT meter in a child process, so its real stderr is what is checked.
    const db = join(dir, 'default-on-error.db')
    mkdirSync(db)
    const file = join(dir, 'default-on-error.mjs')
    const meterUrl = new URL('../packages/meter/dist/index.js', import.meta.url).href
    writeFileSync(
      file,
      `import { createMeter } from ${JSON.stringify(meterUrl)}
const meter = createMeter({ store: ${JSON.stringify(`sqlite:${db}`)}, provider: 'deepseek', flushIntervalMs: 1, retryDelayMs: 1, flushOnExit: false })
for (let i = 0; i < 30; i++) {
  const response = await meter.fetch(${JSON.stringify(`${server.url}/chat/completions`)}, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'deepseek-v4-flash', messages: [{ role: 'user', content: 'hi' }] }),
  })
  await response.json()
  await new Promise((resolve) => setTimeout(resolve, 2))
}
await meter.flush().catch(() => {})
if (meter.stats().failures < 5) throw new Error('too few failures to show the rate limit')
`,
    )
    const stderr = await new Promise<string>((resolve, reject) =>
      execFile(process.execPath, [file], (error, _stdout, err) =>
        error ? reject(error) : resolve(err),
      ),
    )
    const lines = stderr.trim().split('\n')
    expect(lines).toHaveLength(1)
    expect(lines[0]).toMatch(
      /^tokenledger meter \(open, \d+ record\(s\)\): sqlite:.*default-on-error\.db: is a directory; expected a ledger file/,
    )
  })
})
