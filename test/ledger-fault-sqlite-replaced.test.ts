/**
 * A SQLite ledger deleted or replaced while the meter has it open (issue 9, item 4). Before the
 * fix every later record went into the unlinked file (16,023 of 16,023 in the review) and onError
 * never heard of it. Now the store notices before the next batch (the path's device and inode
 * against the open file's), reopens the path, and reports it; the records land in the file that is
 * at the path. Real `openai` SDK, real files.
 */
import { copyFileSync, existsSync, mkdtempSync, renameSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createMeter } from '@tokenledger/meter'
import { isTokenledgerError } from '@tokenledger/pricing'
import { openStore } from '@tokenledger/store'
import OpenAI from 'openai'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { fixtureJson } from '../packages/meter/src/normalisers/__fixtures__/read-fixture.js'
import { type ReplayServer, startReplayServer } from './helpers/replay-server.js'

let dir: string
let server: ReplayServer

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'tokenledger-replaced-'))
  server = await startReplayServer({
    'deepseek-v4-flash': { json: fixtureJson('deepseek-chat-cache-hit.json') },
  })
})

afterAll(async () => {
  await server?.close()
  rmSync(dir, { recursive: true, force: true })
})

async function calls(client: OpenAI, n: number): Promise<string[]> {
  const ids: string[] = []
  for (let i = 0; i < n; i++) {
    const { response } = await client.chat.completions
      .create({ model: 'deepseek-v4-flash', messages: [{ role: 'user', content: `call ${i}` }] })
      .withResponse()
    ids.push(response.headers.get('x-request-id')!)
  }
  return ids
}

async function storedRequestIds(path: string): Promise<string[]> {
  const store = await openStore(`sqlite:${path}`, { readOnly: true })
  try {
    return (await store.listCalls({ limit: 1000, offset: 0 })).rows
      .map((row) => row.requestId!)
      .sort()
  } finally {
    await store.close()
  }
}

function removeLedger(path: string): void {
  for (const suffix of ['', '-wal', '-shm']) rmSync(path + suffix, { force: true })
}

describe.each(['deleted', 'deleted, its -wal left behind,', 'replaced'] as const)(
  'a SQLite ledger %s while open',
  (how) => {
    it('is noticed before the next batch, reopened and reported; later records land at the path', async () => {
      const path = join(dir, `${how}.db`)
      const errors: Error[] = []
      const meter = createMeter({
        store: `sqlite:${path}`,
        flushIntervalMs: 5,
        retryDelayMs: 10,
        onError: (error) => errors.push(error),
        flushOnExit: false,
      })
      const client = meter.wrap(
        new OpenAI({ baseURL: server.url, apiKey: 'test', maxRetries: 0 }),
        { provider: 'deepseek' },
      )
      const before = await calls(client, 5)
      await meter.flush()
      expect(await storedRequestIds(path)).toEqual(before.sort())

      if (how === 'deleted') {
        removeLedger(path)
      } else if (how === 'deleted, its -wal left behind,') {
        // `rm ledger.db` alone: the old file's -wal and -shm must not leak into the new ledger.
        rmSync(path)
      } else {
        // Another ledger (a restored backup, say) is renamed over the path.
        const other = join(dir, 'other.db')
        await (await openStore(`sqlite:${other}`)).close()
        copyFileSync(other, `${other}.copy`)
        removeLedger(other)
        renameSync(`${other}.copy`, path)
      }
      const after = await calls(client, 7)
      await vi.waitFor(() => expect(errors.length).toBeGreaterThan(0), {
        timeout: 5000,
        interval: 10,
      })
      await vi.waitFor(() => expect(meter.stats().queued).toBe(0), { timeout: 5000, interval: 10 })
      await meter.close()

      expect(errors).toHaveLength(1)
      expect(isTokenledgerError(errors[0], 'STORE_UNAVAILABLE')).toBe(true)
      expect(errors[0]!.message).toContain(
        `the ledger file was ${how === 'replaced' ? 'replaced' : 'deleted'} while open`,
      )
      expect(existsSync(path)).toBe(true)
      expect(await storedRequestIds(path)).toEqual(after.sort())
      expect(meter.stats()).toMatchObject({ written: 12, dropped: 0 })
    })
  },
)
