import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { monitorEventLoopDelay } from 'node:perf_hooks'
import { isTokenledgerError } from '@tokenledger/pricing'
import { sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openStore } from '../open-store.js'
import { createRecordFactory } from '../testing/record-factory.js'
import { READ_THREADS } from './sqlite-engine.js'

let dir: string
let path: string
const records = createRecordFactory({ seed: 61 }).batch(3000)

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'tokenledger-read-thread-'))
  path = join(dir, 'ledger.db')
  const store = await openStore(`sqlite:${path}`)
  await store.insert(records)
  await store.close()
})
afterAll(() => {
  rmSync(dir, { recursive: true, force: true })
})

/** Counts to `n` in SQLite: a query that keeps its connection busy, with no ledger behind it. */
const slowCount = (n: number) =>
  sql<{ n: number }>`WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < ${n})
    SELECT count(*) AS n FROM c`

/** Why opening `url` read-only fails, with queries on `readThread`. */
async function openError(url: string, readThread: 'caller' | 'worker'): Promise<unknown> {
  return openStore(url, { readOnly: true, readThread }).then(
    async (store) => {
      await store.close()
      return null
    },
    (error: unknown) => error,
  )
}

describe("SQLite queries on read threads (readOnly, readThread: 'worker')", () => {
  it('answer exactly what the caller thread answers', async () => {
    const onCaller = await openStore(`sqlite:${path}`, { readOnly: true })
    const onWorker = await openStore(`sqlite:${path}`, { readOnly: true, readThread: 'worker' })
    try {
      const query = { groupBy: ['provider' as const, 'model' as const, 'tag:team' as const] }
      const series = { bucket: 'day' as const, stackBy: 'model' as const }
      const list = { limit: 25, offset: 100, sort: 'cost' as const }
      const pages = async (store: typeof onCaller) => {
        const all = []
        for await (const page of store.iterateCalls({}, 700)) all.push(...page)
        return all
      }
      const [summaryA, summaryB] = await Promise.all([
        onCaller.summarize(query),
        onWorker.summarize(query),
      ])
      expect(summaryB).toEqual(summaryA)
      expect(summaryB.length).toBeGreaterThan(3)
      expect(await onWorker.timeSeries(series)).toEqual(await onCaller.timeSeries(series))
      expect(await onWorker.listCalls(list)).toEqual(await onCaller.listCalls(list))
      expect(await onWorker.getCall(records[1234]!.id)).toEqual(
        await onCaller.getCall(records[1234]!.id),
      )
      expect(await onWorker.tagKeys()).toEqual(await onCaller.tagKeys())
      const [pagesA, pagesB] = await Promise.all([pages(onCaller), pages(onWorker)])
      expect(pagesB).toEqual(pagesA)
      expect(pagesB).toHaveLength(3000)
      // A transaction keeps its statements on one connection.
      const inTransaction = await onWorker.db
        .transaction()
        .execute(async (trx) => (await slowCount(10).execute(trx)).rows[0]?.n)
      expect(inTransaction).toBe(10)
    } finally {
      await onCaller.close()
      await onWorker.close()
    }
  })

  it('fail to open with the same codes and messages as the caller thread', async () => {
    const notALedger = join(dir, 'not-a-ledger.db')
    await (await openStore(`sqlite:${notALedger}`)).db.destroy()
    const empty = join(dir, 'empty.db')
    writeFileSync(empty, '')
    const directory = join(dir, 'a-directory')
    mkdirSync(directory)
    for (const url of [
      `sqlite:${join(dir, 'missing.db')}`,
      `sqlite:${directory}`,
      `sqlite:${empty}`,
    ]) {
      const [onCaller, onWorker] = await Promise.all([
        openError(url, 'caller'),
        openError(url, 'worker'),
      ])
      expect(isTokenledgerError(onCaller, 'STORE_UNAVAILABLE'), String(onCaller)).toBe(true)
      expect(isTokenledgerError(onWorker, 'STORE_UNAVAILABLE'), String(onWorker)).toBe(true)
      expect((onWorker as Error).message).toBe((onCaller as Error).message)
    }
    const writable = await openStore(`sqlite:${path}`, { readThread: 'worker' }).catch(
      (e: unknown) => e,
    )
    expect(isTokenledgerError(writable, 'OPTION_INVALID')).toBe(true)
    expect((writable as Error).message).toContain("readThread: 'worker' needs readOnly: true")
  })

  it('report a failed query as the caller thread does (the driver error, its code kept)', async () => {
    const store = await openStore(`sqlite:${path}`, { readOnly: true, readThread: 'worker' })
    try {
      const error = await sql`SELECT * FROM no_such_table`.execute(store.db).catch((e) => e)
      expect((error as Error).message).toBe('no such table: no_such_table')
      expect((error as { code?: string }).code).toBe('SQLITE_ERROR')
      // The connection is given back: the next queries run.
      expect((await store.listCalls({ limit: 1, offset: 0 })).total).toBe(3000)
    } finally {
      await store.close()
    }
  })

  it.each(['worker', 'caller'] as const)(
    'while a slow query runs, the event loop runs on, and so does a second query (%s thread)',
    async (readThread) => {
      const store = await openStore(`sqlite:${path}`, { readOnly: true, readThread })
      const delay = monitorEventLoopDelay({ resolution: 1 })
      try {
        // Warm: the threads have opened the file and compiled the schema.
        await store.listCalls({ limit: 1, offset: 0 })
        const order: string[] = []
        delay.enable()
        // The histogram samples from its first tick on: let it start before the loop is tested.
        while (delay.count === 0) await new Promise((resolve) => setTimeout(resolve, 1))
        const t0 = performance.now()
        let slowMs = 0
        const slow = slowCount(3_000_000)
          .execute(store.db)
          .then(() => {
            slowMs = performance.now() - t0
            order.push('slow query')
          })
        const small = store.getCall(records[7]!.id).then(() => order.push('small query'))
        const timer = new Promise<void>((resolve) =>
          setTimeout(() => {
            order.push('timer')
            resolve()
          }, 1),
        )
        await Promise.all([slow, small, timer])
        delay.disable()
        const maxDelayMs = delay.max / 1e6
        if (readThread === 'worker') {
          expect(READ_THREADS).toBeGreaterThanOrEqual(2)
          expect(order.indexOf('slow query')).toBe(2)
          // The loop never waited for more than a small part of the slow query.
          expect(maxDelayMs).toBeLessThan(slowMs / 4)
        } else {
          // On the caller's thread the query holds the loop for its whole duration.
          expect(order).toEqual(['slow query', 'small query', 'timer'])
          expect(maxDelayMs).toBeGreaterThan(slowMs / 2)
        }
      } finally {
        delay.disable()
        await store.close()
      }
    },
  )

  it('a read seen fast runs on the caller thread, even with every thread busy; a slow one never does', async () => {
    const store = await openStore(`sqlite:${path}`, { readOnly: true, readThread: 'worker' })
    const delay = monitorEventLoopDelay({ resolution: 1 })
    try {
      const id = records[11]!.id
      // On a thread, twice (the first also prepares the statement): now known to be fast.
      for (let i = 0; i < 2; i++) expect((await store.getCall(id))?.id).toBe(id)
      // A slow query run once before is no faster the second time: it stays on the threads, and
      // the loop runs on while it runs (twice at once: every read thread is busy).
      const slow = () => slowCount(3_000_000 + READ_THREADS).execute(store.db)
      await slow()
      delay.enable()
      while (delay.count === 0) await new Promise((resolve) => setTimeout(resolve, 1))
      const t0 = performance.now()
      const busy = Array.from({ length: READ_THREADS }, () => slow())
      // Every thread is taken: only a read on the caller thread can answer before they end.
      const fast = await store.getCall(id)
      const fastMs = performance.now() - t0
      await Promise.all(busy)
      const slowMs = performance.now() - t0
      delay.disable()
      expect(fast?.id).toBe(id)
      expect(fastMs).toBeLessThan(slowMs / 4)
      expect(delay.max / 1e6).toBeLessThan(slowMs / 4)
      // Another call (other parameters) was never seen: it waits for a thread like any new read.
      const other = records[12]!.id
      const t1 = performance.now()
      const again = Array.from({ length: READ_THREADS }, () => slow())
      const unseen = await store.getCall(other)
      const unseenMs = performance.now() - t1
      await Promise.all(again)
      expect(unseen?.id).toBe(other)
      expect(unseenMs).toBeGreaterThan((performance.now() - t1) / 2)
    } finally {
      delay.disable()
      await store.close()
    }
  })
})
