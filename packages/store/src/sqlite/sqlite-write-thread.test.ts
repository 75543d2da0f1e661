import { mkdtempSync, rmSync } from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { isTokenledgerError } from '@tokenledger/pricing'
import type { Usd } from '@tokenledger/pricing'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { expectedSummary } from '../__fixtures__/expected-summary.js'
import { openStore } from '../open-store.js'
import { createRecordFactory } from '../testing/record-factory.js'

const Database = createRequire(import.meta.url)('better-sqlite3') as new (path: string) => {
  exec(sql: string): void
  close(): void
}

let dir: string
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'tokenledger-write-thread-'))
})
afterEach(() => {
  rmSync(dir, { recursive: true, force: true })
})

describe("SQLite writes on a worker thread (writeThread: 'worker')", () => {
  it('store exactly what the caller thread stores: same rows, same sums to the picodollar', async () => {
    const records = createRecordFactory({ seed: 51 }).batch(3000)
    const viaWorker = await openStore(`sqlite:${join(dir, 'worker.db')}`, { writeThread: 'worker' })
    for (let i = 0; i < records.length; i += 500) await viaWorker.insert(records.slice(i, i + 500))
    // A repeat is skipped, as on the caller's thread.
    await viaWorker.insert(records.slice(0, 10))
    const query = { groupBy: ['provider' as const, 'model' as const] }
    expect(await viaWorker.summarize(query)).toEqual(expectedSummary(records, query))
    expect((await viaWorker.listCalls({ limit: 1, offset: 0 })).total).toBe(3000)
    expect(await viaWorker.getCall(records[1234]!.id)).toMatchObject({
      id: records[1234]!.id,
      cost: records[1234]!.cost,
    })
    await viaWorker.close()
  })

  it('hand a big batch over in slices, the event loop running between them, and store it whole', async () => {
    const store = await openStore(`sqlite:${join(dir, 'sliced.db')}`, { writeThread: 'worker' })
    const records = createRecordFactory({ seed: 54 }).batch(5000)
    // Turns of the event loop run so far, and how many had run when the last record was read (it
    // is read last when converted): more than none, so the first ones did not hold the loop.
    let turns = 0
    let counting = true
    const count = () => {
      turns++
      if (counting) setImmediate(count)
    }
    let turnsAtLastRead = -1
    records[4999] = new Proxy(records[4999]!, {
      get(target, key, receiver) {
        turnsAtLastRead = turns
        return Reflect.get(target, key, receiver)
      },
    })
    setImmediate(count)
    await store.insert(records)
    counting = false
    expect(turnsAtLastRead).toBeGreaterThan(0)
    const query = { groupBy: ['provider' as const] }
    expect(await store.summarize(query)).toEqual(expectedSummary(records, query))
    // A bad record at the end of a big batch: the parts already sent are dropped, nothing is stored.
    const more = createRecordFactory({ seed: 55 }).batch(5000)
    more[4999] = { ...more[4999]!, cost: 'ten dollars' as Usd }
    const error = await store.insert(more).catch((e: unknown) => e)
    expect((error as Error).message).toContain('insert: records[4999]')
    expect((await store.listCalls({ limit: 1, offset: 0 })).total).toBe(5000)
    // The next batch is stored alone, none of the dropped parts with it.
    await store.insert(more.slice(0, 10))
    expect((await store.listCalls({ limit: 1, offset: 0 })).total).toBe(5010)
    await store.close()
  })

  it('name a bad record as before, and report a value the database refuses as RECORD_INVALID', async () => {
    const store = await openStore(`sqlite:${join(dir, 'bad.db')}`, { writeThread: 'worker' })
    const [a, b, c] = createRecordFactory({ seed: 52 }).batch(3)
    const malformed = { ...b!, cost: 'ten dollars' as Usd }
    const error = await store.insert([a!, malformed]).catch((e: unknown) => e)
    expect(isTokenledgerError(error, 'RECORD_INVALID')).toBe(true)
    expect((error as Error).message).toContain(`insert: records[1] (id ${b!.id}): cost:`)
    // Two costs of 2^62 picodollars in one hour overflow the hour's rollup: the worker's driver
    // refuses the sum (a bound value too big), and the refusal comes back classified.
    const half = { ...a!, id: 'half-1', cost: '4611686.018427387904' as Usd, costBreakdown: null }
    const other = { ...half, id: 'half-2' }
    const overflow = await store.insert([half, other]).catch((e: unknown) => e)
    expect(isTokenledgerError(overflow, 'RECORD_INVALID')).toBe(true)
    expect((overflow as Error).message).toContain('insert: the database refused a value (')
    await store.insert([c!])
    expect((await store.listCalls({ limit: 10, offset: 0 })).rows.map((row) => row.id)).toEqual([
      c!.id,
    ])
    await store.close()
  })

  it.each(['worker', 'caller'] as const)(
    'while another process holds the lock: the event loop runs on (%s thread)',
    async (writeThread) => {
      const path = join(dir, `locked-${writeThread}.db`)
      const store = await openStore(`sqlite:${path}`, { busyTimeoutMs: 300, writeThread })
      const locker = new Database(path)
      locker.exec('BEGIN EXCLUSIVE')
      try {
        const order: string[] = []
        const insert = store.insert(createRecordFactory({ seed: 53 }).batch(5)).then(
          () => order.push('insert settled'),
          () => order.push('insert settled'),
        )
        await new Promise<void>((resolve) =>
          setTimeout(() => {
            order.push('timer ran')
            resolve()
          }, 1),
        )
        await insert
        // On the caller's thread the busy wait holds the loop until the insert gives up.
        expect(order).toEqual(
          writeThread === 'worker'
            ? ['timer ran', 'insert settled']
            : ['insert settled', 'timer ran'],
        )
      } finally {
        locker.exec('ROLLBACK')
        locker.close()
        await store.close()
      }
    },
  )
})
