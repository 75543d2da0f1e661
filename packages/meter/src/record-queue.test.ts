import { mkdtempSync, rmSync } from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { type LedgerStore, openStore } from '@tokenledger/store'
import { createRecordFactory } from '@tokenledger/store/testing'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { type MeterErrorContext, RecordQueue, type RecordSink } from './record-queue.js'

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

/** A promise and the function that settles it (Promise.withResolvers, which Node 20 lacks). */
function signal(): { promise: Promise<void>; resolve: () => void } {
  let resolve = () => {}
  const promise = new Promise<void>((settle) => {
    resolve = settle
  })
  return { promise, resolve }
}

/**
 * A sink that writes to `target` and lets a test await what the queue does with it: `started`
 * settles when the first insert is called, and that insert goes on only once `release()` is
 * called (at once when `held` is false). `inserted` lists the ids of every insert, in order.
 */
function watchedSink(target: RecordSink, { held = false } = {}) {
  const started = signal()
  const gate = signal()
  if (!held) gate.resolve()
  const inserted: string[][] = []
  let finished = 0
  let onFinished = () => {}
  const sink: RecordSink = {
    insert: async (records) => {
      inserted.push(records.map((record) => record.id))
      started.resolve()
      await gate.promise
      await target.insert(records)
      finished++
      onFinished()
    },
    close: () => target.close(),
  }
  /** Settles once `count` inserts have ended and the queue has had a turn of the event loop. */
  const written = async (count: number): Promise<void> => {
    while (finished < count) await new Promise<void>((resolve) => (onFinished = resolve))
    await new Promise((resolve) => setImmediate(resolve))
  }
  return { sink, inserted, started: started.promise, release: () => gate.resolve(), written }
}

describe('RecordQueue', () => {
  it('a flush() during a background write never writes a record twice', async () => {
    const errors: Array<{ error: Error; context: MeterErrorContext }> = []
    const watched = watchedSink(store, { held: true })
    const q = queue(errors, { store: watched.sink, flushIntervalMs: 1 })
    const records = createRecordFactory({ seed: 4 }).batch(15)
    for (const record of records.slice(0, 10)) q.push(record)
    // The full batch is being written in the background (held in the sink) when more come and
    // flush() is called: when that write ends, flush() and the background drain both go on.
    await watched.started
    for (const record of records.slice(10)) q.push(record)
    const flushed = q.flush()
    watched.release()
    await flushed
    expect(errors).toEqual([])
    expect(watched.inserted.flat().sort()).toEqual(records.map((record) => record.id).sort())
    expect(q.stats()).toMatchObject({ queued: 0, written: 15 })
    expect((await store.listCalls({ limit: 100, offset: 0 })).total).toBe(15)
  })

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
    const watched = watchedSink(store)
    // The timer is a minute away: only a full batch starts this write within the test's timeout.
    const q = queue([], { store: watched.sink })
    for (const record of createRecordFactory({ seed: 4 }).batch(10)) q.push(record)
    await watched.started
    expect(watched.inserted).toHaveLength(1)
    await q.flush() // waits for the write under way; writes nothing itself
    expect(watched.inserted).toHaveLength(1)
    expect(q.stats().written).toBe(10)
  }, 10_000) // fails well before the timer would write the batch

  it('leaves calls that came in during a write for the timer, unless a full batch waits', async () => {
    // Steady traffic used to be written one small transaction after another (each write's
    // stragglers at once), which kept the write thread busy beside the application.
    const watched = watchedSink(store, { held: true })
    const q = queue([], { store: watched.sink })
    const records = createRecordFactory({ seed: 6 }).batch(23)
    for (const record of records.slice(0, 10)) q.push(record) // a full batch: written at once
    await watched.started
    for (const record of records.slice(10, 13)) q.push(record) // 3 come in during that write
    watched.release()
    await watched.written(1)
    // The timer is a minute away: the 3 wait for it.
    expect(watched.inserted.map((ids) => ids.length)).toEqual([10])
    expect(q.stats().queued).toBe(3)
    // A full batch is still written at once, and what is left after it waits again.
    for (const record of records.slice(13)) q.push(record)
    await watched.written(2)
    expect(watched.inserted.map((ids) => ids.length)).toEqual([10, 10])
    expect(q.stats().queued).toBe(3)
    await q.flush()
    expect(watched.inserted.map((ids) => ids.length)).toEqual([10, 10, 3])
  }, 10_000)

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
    const records = createRecordFactory({ seed: 12 }).batch(1000)
    const allWritten = signal()
    let written = 0
    const sink: RecordSink = {
      insert: async (batch) => {
        await locked.insert(batch)
        written += batch.length
        if (written === records.length) allWritten.resolve()
      },
      close: () => locked.close(),
    }
    try {
      const errors: Array<{ error: Error; context: MeterErrorContext }> = []
      const q = queue(errors, {
        store: sink,
        maxQueue: 1000,
        batchSize: 100,
        flushIntervalMs: 5,
        backoffMs: 20,
        maxBackoffMs: 30_000,
      })
      locker.exec('BEGIN EXCLUSIVE')
      for (const record of records.slice(0, 100)) q.push(record)
      // An outage: every failed attempt doubles the retry delay (20, 40, ... 1280 ms). flush()
      // fails as the background retries do and leaves the same backoff scheduled, without waiting it out.
      for (let attempt = 1; attempt <= 7; attempt++) {
        await expect(q.flush()).rejects.toMatchObject({ code: 'STORE_UNAVAILABLE' })
      }
      expect(q.stats()).toMatchObject({ failures: 7, written: 0 })
      locker.exec('ROLLBACK')
      // The ledger is back and a burst fills the queue: waiting out the 1280 ms backoff would drop
      // the next records. Half full, the queue retries at the first delay and drains.
      const burstAt = performance.now()
      for (const record of records.slice(100)) q.push(record)
      await allWritten.promise
      expect(performance.now() - burstAt).toBeLessThan(1280)
      await q.flush() // the last write's bookkeeping; nothing is left to write
      expect(q.stats()).toMatchObject({ written: 1000, dropped: 0, queued: 0, failures: 7 })
    } finally {
      locker.close()
      await locked.close()
    }
  })
})

describe('RecordQueue while the ledger is down', () => {
  it('builds queued calls soon, at most a slice of time per turn of the event loop', async () => {
    const errors: Array<{ error: Error; context: MeterErrorContext }> = []
    const q = queue(errors, {
      store: async () => {
        throw new Error('ledger down')
      },
      // One failed attempt, then no retry within the test: its errors are exactly that one.
      backoffMs: 60_000,
      maxBackoffMs: 60_000,
    })
    q.push(createRecordFactory({ seed: 7 }).next())
    await expect(q.flush()).rejects.toMatchObject({ code: 'STORE_UNAVAILABLE' })
    // Turns of the event loop, counted by a loop of immediates beside the builds.
    let turn = 0
    let counting = true
    const count = () => {
      turn++
      if (counting) setImmediate(count)
    }
    setImmediate(count)
    const builtInTurn = new Map<number, number>()
    const records = createRecordFactory({ seed: 8 }).batch(200)
    for (const record of records) {
      q.push(() => {
        // 100 µs of work per call: a real build takes tens of microseconds.
        const until = performance.now() + 0.1
        while (performance.now() < until);
        builtInTurn.set(turn, (builtInTurn.get(turn) ?? 0) + 1)
        return record
      })
    }
    expect(builtInTurn.size).toBe(0) // never on the caller's path
    const built = () => [...builtInTurn.values()].reduce((a, b) => a + b, 0)
    for (let i = 0; i < 5000 && built() < records.length; i++)
      await new Promise((resolve) => setImmediate(resolve))
    counting = false
    expect(built()).toBe(records.length)
    // The clock is read after 7 and 15 builds of 100 µs: at 1.5 ms a turn stops for sure, so no
    // turn builds more than 15, and the 200 (20 ms) take at least 14 turns.
    expect(Math.max(...builtInTurn.values())).toBeLessThanOrEqual(15)
    expect(builtInTurn.size).toBeGreaterThanOrEqual(14)
    expect(q.stats()).toMatchObject({ queued: 201, written: 0, failedBuilds: 0 })
    expect(errors.map(({ error, context }) => [error.message, context])).toEqual([
      ['ledger down', { phase: 'open', records: 1 }],
    ])
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
