/**
 * The answer cache over a real SQLite ledger: split answers equal the store's own to the
 * picodollar, past hours are read once per minute and shared by concurrent requests, the current
 * hour is always fresh, and late writes into past hours show once the minute is over.
 */
import { openStore, type GroupKey, type LedgerStore } from '@tokenledger/store'
import { createRecordFactory } from '@tokenledger/store/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createTestLedger, type TestLedger } from '../__fixtures__/test-ledger.js'
import { cachingStore } from './answer-cache.js'

const NOW = new Date('2026-05-12T12:34:56.000Z')
const HOUR = 3_600_000

describe('cachingStore', () => {
  let ledger: TestLedger
  let clock = NOW.getTime()
  let store: LedgerStore
  const asked: string[] = []

  beforeAll(async () => {
    // Two days up to a few minutes before NOW, so the current hour holds calls too.
    const records = createRecordFactory({
      seed: 61,
      start: '2026-05-10T12:00:00.000Z',
      stepMs: 7 * 60_000,
    }).batch(410)
    ledger = await createTestLedger('sqlite', records)
    // Counts what reaches the ledger; the ledger itself answers.
    const real = ledger.store
    const counted: LedgerStore = Object.assign(Object.create(null) as LedgerStore, {
      summarize: (q: Parameters<LedgerStore['summarize']>[0]) => {
        asked.push(`summarize ${q.since?.toISOString()} ${q.until?.toISOString()}`)
        return real.summarize(q)
      },
      timeSeries: (q: Parameters<LedgerStore['timeSeries']>[0]) => {
        asked.push(`timeSeries ${q.since?.toISOString()} ${q.until?.toISOString()}`)
        return real.timeSeries(q)
      },
    })
    store = cachingStore(counted, { now: () => new Date(clock) })
  })
  afterAll(async () => {
    await ledger?.cleanup()
  })

  const range = {
    since: new Date('2026-05-10T00:00:00.000Z'),
    until: new Date('2026-05-13T00:00:00.000Z'),
  }

  it('answers exactly what the store answers, for any grouping, split at the current hour', async () => {
    for (const groupBy of [
      [],
      ['model', 'provider'],
      ['hour'],
      ['day', 'status'],
      ['tag:user'],
    ] as GroupKey[][]) {
      expect(await store.summarize({ ...range, groupBy })).toEqual(
        await ledger.store.summarize({ ...range, groupBy }),
      )
    }
    for (const bucket of ['hour', 'day'] as const) {
      expect(await store.timeSeries({ ...range, bucket, stackBy: 'model' })).toEqual(
        await ledger.store.timeSeries({ ...range, bucket, stackBy: 'model' }),
      )
    }
  })

  it('shares one read of the past among concurrent requests; the current hour is read each time', async () => {
    asked.length = 0
    const query = { ...range, groupBy: ['provider'] as GroupKey[], provider: 'deepseek' }
    const answers = await Promise.all(Array.from({ length: 20 }, () => store.summarize(query)))
    for (const answer of answers) expect(answer).toEqual(answers[0])
    const hour = new Date(Math.floor(NOW.getTime() / HOUR) * HOUR).toISOString()
    expect(asked.filter((a) => a.endsWith(`${hour}`))).toHaveLength(1) // the past, once
    expect(asked.filter((a) => a.startsWith(`summarize ${hour}`))).toHaveLength(20) // the present
  })

  it('shows a late write into a past hour after the minute, and one into this hour at once', async () => {
    const query = { ...range }
    const before = (await store.summarize(query))[0]!
    const late = createRecordFactory({ seed: 62, start: '2026-05-11T03:00:00.000Z' }).next({
      id: 'late-into-the-past',
    })
    const current = createRecordFactory({ seed: 63, start: '2026-05-12T12:30:00.000Z' }).next({
      id: 'in-this-hour',
    })
    // Another process writes (the meter); the dashboard's store is read-only.
    const writer = await openStore(ledger.url)
    await writer.insert([late, current])
    await writer.close()
    const soon = (await store.summarize(query))[0]!
    expect(soon.calls).toBe(before.calls + 1) // the current hour's call, at once
    clock += 61_000
    const later = (await store.summarize(query))[0]!
    expect(later.calls).toBe(before.calls + 2)
    expect(later).toEqual((await ledger.store.summarize(query))[0])
  })
})
