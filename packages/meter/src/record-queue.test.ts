import { mkdtempSync, rmSync } from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { type LedgerStore, openStore } from '@tokenledger/store'
import { createRecordFactory } from '@tokenledger/store/testing'
import { ENGINES } from '@tokenledger/store/testing/engines'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { type MeterErrorContext, RecordQueue } from './record-queue.js'

let dir: string
let store: LedgerStore

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'tokenledger-queue-'))
  store = await openStore(`sqlite:${join(dir, 'ledger.db')}`)
})

afterEach(async () => {
  await store.close()
  rmSync(dir, { recursive: true, force: true })
})

function queue(
  errors: Array<{ error: Error; context: MeterErrorContext }>,
  options: Partial<ConstructorParameters<typeof RecordQueue>[0]> = {},
) {
  return new RecordQueue({
    store,
    ownsStore: false,
    onError: (error, context) => errors.push({ error, context }),
    maxQueue: 1000,
    maxQueueBytes: 64 * 1024 * 1024,
    batchSize: 10,
    flushIntervalMs: 60_000,
    backoffMs: 10,
    maxBackoffMs: 100,
    ...options,
  })
}

describe('RecordQueue', () => {
  const postgres = ENGINES.find((engine) => engine.name === 'postgres')
  it.skipIf(!postgres || postgres.skip !== null)(
    'a flush() during a background write never writes a record twice',
    async () => {
      // PostgreSQL, so that a write is in flight across event-loop turns.
      const fixture = await postgres!.fresh()
      const pgStore = await openStore(fixture.url)
      try {
        const errors: Array<{ error: Error; context: MeterErrorContext }> = []
        const q = queue(errors, { store: pgStore, flushIntervalMs: 1 })
        const records = createRecordFactory({ seed: 4 }).batch(15)
        for (const record of records.slice(0, 10)) q.push(record)
        // The full batch is being written in the background when more come and flush() is called:
        // when that write ends, flush() and the background drain both go on.
        await new Promise((resolve) => setTimeout(resolve, 0))
        for (const record of records.slice(10)) q.push(record)
        await q.flush()
        expect(errors).toEqual([])
        expect(q.stats()).toMatchObject({ queued: 0, written: 15 })
        expect((await pgStore.listCalls({ limit: 100, offset: 0 })).total).toBe(15)
      } finally {
        await pgStore.close()
        await fixture.cleanup()
      }
    },
  )

  it('writes everything in batches of batchSize on flush', async () => {
    const errors: Array<{ error: Error; context: MeterErrorContext }> = []
    const q = queue(errors)
    const records = createRecordFactory({ seed: 3 }).batch(25)
    for (const record of records) q.push(record)
    expect(q.size).toBe(25)
    await q.flush()
    expect(q.stats()).toMatchObject({ queued: 0, written: 25, dropped: 0, failures: 0 })
    expect((await store.listCalls({ limit: 100, offset: 0 })).total).toBe(25)
    expect(errors).toEqual([])
  })

  it('writes a full batch without waiting for the timer', async () => {
    const q = queue([])
    for (const record of createRecordFactory({ seed: 4 }).batch(10)) q.push(record)
    for (let i = 0; i < 100 && q.stats().written < 10; i++)
      await new Promise((resolve) => setTimeout(resolve, 5))
    expect(q.stats().written).toBe(10)
  })

  it('builds queued calls at write time; one that cannot be built is reported and left out', async () => {
    const errors: Array<{ error: Error; context: MeterErrorContext }> = []
    const q = queue(errors)
    const [a, b] = createRecordFactory({ seed: 5 }).batch(2)
    let builds = 0
    q.push(() => {
      builds++
      return a!
    })
    q.push(() => {
      throw new Error('cannot build')
    })
    q.push(b!)
    expect(builds).toBe(0)
    await q.flush()
    expect(builds).toBe(1)
    expect(errors.map(({ error, context }) => [error.message, context.phase])).toEqual([
      ['cannot build', 'record'],
    ])
    expect(q.stats()).toMatchObject({ written: 2, failedBuilds: 1, queued: 0 })
    expect((await store.getCall(a!.id))?.id).toBe(a!.id)
  })

  it('keeps records through a failed open and writes them once the store opens', async () => {
    const errors: Array<{ error: Error; context: MeterErrorContext }> = []
    let attempts = 0
    const q = queue(errors, {
      store: async () => {
        if (++attempts === 1) throw new Error('not yet')
        return store
      },
    })
    q.push(createRecordFactory({ seed: 6 }).next())
    await expect(q.flush()).rejects.toMatchObject({ code: 'STORE_UNAVAILABLE' })
    expect(errors[0]!.context).toEqual({ phase: 'open', records: 1 })
    await q.flush()
    expect(q.stats()).toMatchObject({ written: 1, failures: 1 })
  })
})

describe('RecordQueue retries', () => {
  it('soon once the queue is half full, so a short outage under load drops nothing', async () => {
    const path = join(dir, 'locked.db')
    const locked = await openStore(`sqlite:${path}`, { busyTimeoutMs: 5 })
    const Database = createRequire(import.meta.resolve('@tokenledger/store'))(
      'better-sqlite3',
    ) as new (path: string) => { exec(sql: string): void; close(): void }
    const locker = new Database(path)
    try {
      const errors: Array<{ error: Error; context: MeterErrorContext }> = []
      const q = queue(errors, {
        store: locked,
        maxQueue: 1000,
        batchSize: 100,
        flushIntervalMs: 5,
        backoffMs: 20,
        maxBackoffMs: 30_000,
      })
      const records = createRecordFactory({ seed: 12 }).batch(1000)
      locker.exec('BEGIN EXCLUSIVE')
      for (const record of records.slice(0, 100)) q.push(record)
      // A quiet outage: the backoff doubles past a second (20, 40, ... 1280 ms: the next try is due about 2.5 s in).
      await new Promise((resolve) => setTimeout(resolve, 1500))
      expect(q.stats().failures).toBeGreaterThanOrEqual(5)
      locker.exec('ROLLBACK')
      // The ledger is back and a burst fills the queue: waiting out the backoff would drop the
      // next records. Half full, the queue retries at the first delay and drains.
      for (const record of records.slice(100)) q.push(record)
      await vi.waitFor(() => expect(q.stats().written).toBe(1000), { timeout: 1000, interval: 5 })
      expect(q.stats()).toMatchObject({ dropped: 0, queued: 0 })
    } finally {
      locker.close()
      await locked.close()
    }
  })
})

describe('RecordQueue and malformed records', () => {
  it('writes the rest of a batch when the ledger refuses one record, and reports that record', async () => {
    const errors: Array<{ error: Error; context: MeterErrorContext }> = []
    const q = queue(errors)
    const records = createRecordFactory({ seed: 9 }).batch(5)
    const broken = { ...records[2]!, cost: '1e-5' as (typeof records)[2]['cost'] }
    for (const record of [records[0]!, records[1]!, broken, records[3]!, records[4]!])
      q.push(record)
    await q.flush()
    expect(q.stats()).toMatchObject({ queued: 0, written: 4, refused: 1, failures: 0 })
    expect((await store.listCalls({ limit: 100, offset: 0 })).total).toBe(4)
    expect(await store.getCall(broken.id)).toBeNull()
    expect(errors).toHaveLength(1)
    expect(errors[0]!.context).toMatchObject({ phase: 'record', records: 1 })
    expect(errors[0]!.error.message).toContain(
      `id ${broken.id}): cost: expected a decimal USD amount`,
    )
  })
})
