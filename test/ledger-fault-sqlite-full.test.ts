/**
 * A SQLite ledger on a full filesystem: a real 2 MiB tmpfs is mounted for the test and filled
 * with a junk file after the ledger is created. Calls go on, every failed write is reported, the
 * records wait in memory, and once space is freed they all land. Skipped where mounting is not
 * allowed (not root).
 */
import { execFileSync } from 'node:child_process'
import { mkdtempSync, openSync, rmSync, writeSync, closeSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createMeter, type MeterErrorContext } from '@tokenledger/meter'
import { isTokenledgerError } from '@tokenledger/pricing'
import { openStore } from '@tokenledger/store'
import OpenAI from 'openai'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { fixtureJson } from '../packages/meter/src/normalisers/__fixtures__/read-fixture.js'
import { type ReplayServer, startReplayServer } from './helpers/replay-server.js'

const mountPoint = mkdtempSync(join(tmpdir(), 'tokenledger-full-'))
let mounted = false
try {
  execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=2m', 'tmpfs', mountPoint], { stdio: 'ignore' })
  mounted = true
} catch {
  console.warn('NOTICE: full-filesystem test SKIPPED: cannot mount a tmpfs here (needs root)')
}

let server: ReplayServer

beforeAll(async () => {
  server = await startReplayServer({
    'deepseek-v4-flash': { json: fixtureJson('deepseek-chat-cache-hit.json') },
  })
})

afterAll(async () => {
  await server?.close()
  if (mounted) execFileSync('umount', [mountPoint])
  rmSync(mountPoint, { recursive: true, force: true })
})

/** Writes zeros into `path` until the filesystem is full. */
function fill(path: string): void {
  const fd = openSync(path, 'w')
  const block = Buffer.alloc(64 * 1024)
  try {
    for (;;) {
      try {
        writeSync(fd, block)
      } catch {
        break
      }
    }
  } finally {
    closeSync(fd)
  }
}

describe.skipIf(!mounted)('a SQLite ledger on a full filesystem', () => {
  it('costs no record: failures are reported, and everything lands once there is room', async () => {
    const db = join(mountPoint, 'ledger.db')
    const store = await openStore(`sqlite:${db}`, { busyTimeoutMs: 20 })
    const errors: Array<{ error: Error; context: MeterErrorContext }> = []
    const meter = createMeter({
      store,
      flushIntervalMs: 5,
      retryDelayMs: 10,
      onError: (error, context) => errors.push({ error, context }),
      flushOnExit: false,
    })
    const client = meter.wrap(new OpenAI({ baseURL: server.url, apiKey: 'test', maxRetries: 0 }), {
      provider: 'deepseek',
    })
    const call = async (i: number) => {
      const { response } = await client.chat.completions
        .create({
          model: 'deepseek-v4-flash',
          messages: [{ role: 'user', content: `call ${i} `.repeat(50) }],
        })
        .withResponse()
      return response.headers.get('x-request-id')!
    }
    const seen: string[] = []
    const junk = join(mountPoint, 'junk')
    fill(junk)
    // Enough records to need new pages, which the full filesystem cannot give.
    for (let i = 0; i < 600; i++) seen.push(await call(i))
    await vi.waitFor(() => expect(errors.length).toBeGreaterThan(0), {
      timeout: 10_000,
      interval: 10,
    })
    expect(errors[0]!.context.phase).toBe('write')
    expect(isTokenledgerError(errors[0]!.error, 'STORE_UNAVAILABLE')).toBe(true)
    expect(errors[0]!.error.message).toMatch(/full/i)
    expect(meter.stats().queued).toBeGreaterThan(0)

    rmSync(junk)
    await meter.flush()
    await meter.close()
    expect(meter.stats()).toMatchObject({ queued: 0, written: 600, dropped: 0 })
    const { rows } = await store.listCalls({ limit: 1000, offset: 0 })
    expect(rows.map((row) => row.requestId).sort()).toEqual(seen.sort())
    await store.close()
  }, 60_000)
})
