/**
 * A SQLite ledger locked by another process must not hold up the application's calls (issue 9,
 * item 7): the meter writes a ledger it opens from a URL on a worker thread, so while that thread
 * waits for the lock, calls through the real `openai` SDK come and go. Before, SQLite's busy wait
 * ran on the caller's thread: a call made during a write attempt waited for the attempt to give up.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createMeter } from '@tokenledger/meter'
import { openStore } from '@tokenledger/store'
import OpenAI from 'openai'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { fixtureJson } from '../packages/meter/src/normalisers/__fixtures__/read-fixture.js'
import { type ReplayServer, startReplayServer } from './helpers/replay-server.js'

const requireFromStore = createRequire(new URL('../packages/store/package.json', import.meta.url))
const Database = requireFromStore('better-sqlite3') as new (path: string) => {
  exec(sql: string): void
  close(): void
}

let dir: string
let server: ReplayServer

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'tokenledger-locked-loop-'))
  server = await startReplayServer({
    'deepseek-v4-flash': { json: fixtureJson('deepseek-chat-cache-hit.json') },
  })
})

afterAll(async () => {
  await server?.close()
  rmSync(dir, { recursive: true, force: true })
})

describe('a meter writing a locked SQLite ledger', () => {
  it('lets calls through while its write waits for the lock', async () => {
    const path = join(dir, 'ledger.db')
    await (await openStore(`sqlite:${path}`)).close()
    const meter = createMeter({
      store: `sqlite:${path}`,
      busyTimeoutMs: 1500,
      flushIntervalMs: 600_000,
      onError: () => {},
      flushOnExit: false,
    })
    const client = meter.wrap(new OpenAI({ baseURL: server.url, apiKey: 'test', maxRetries: 0 }), {
      provider: 'deepseek',
    })
    const call = () =>
      client.chat.completions.create({
        model: 'deepseek-v4-flash',
        messages: [{ role: 'user', content: 'hi' }],
      })
    await call()
    await meter.flush()

    const locker = new Database(path)
    locker.exec('BEGIN EXCLUSIVE')
    const order: string[] = []
    try {
      await call()
      // The write starts and waits for the lock (up to 1.5 s); three calls are made meanwhile.
      const flushed = meter.flush().then(
        () => order.push('write gave up'),
        () => order.push('write gave up'),
      )
      for (let i = 0; i < 3; i++) {
        await call()
        order.push(`call ${i}`)
      }
      await flushed
    } finally {
      locker.exec('ROLLBACK')
      locker.close()
    }
    expect(order).toEqual(['call 0', 'call 1', 'call 2', 'write gave up'])
    await meter.close()
    const store = await openStore(`sqlite:${path}`, { readOnly: true })
    expect((await store.listCalls({ limit: 10, offset: 0 })).total).toBe(5)
    await store.close()
  }, 30_000)
})
