/**
 * The priced / unpriced calls list, answered by the store's own query (totals from the rollups). Walking every page must give exactly the matching calls, newest first, on both
 * engines, whatever the page size, filters and period edges.
 */
import type { CallRecord } from '@tokenledger/store'
import { createRecordFactory } from '@tokenledger/store/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ENGINES, createTestLedger, type TestLedger } from '../__fixtures__/test-ledger.js'
import { createDashboardApp } from '../app.js'
import type { CallsPage } from './calls.js'

const NOW = new Date('2026-05-03T12:00:00.000Z')

/**
 * Mostly priced calls over two days with rare unpriced ones (every fifth the factory makes), so
 * the unpriced list spans hours that are not adjacent; plus three unpriced calls at the very start
 * of an hour sharing one timestamp (ordered by id).
 */
function records(): CallRecord[] {
  const made = createRecordFactory({ seed: 31, start: '2026-05-01T00:00:00.000Z', stepMs: 420_000 })
    .batch(420)
    .filter((record, i) => record.cost !== null || i % 5 === 0)
  const tied = createRecordFactory({ seed: 32 }).batch(3, {
    timestamp: '2026-05-01T10:00:00.000Z',
    provider: 'oxen',
    model: 'deepseek-v4-pro',
    cost: null,
    costBreakdown: null,
    cacheSavings: null,
    card: null,
  })
  return [...made, ...tied]
}

const newestFirst = (a: CallRecord, b: CallRecord) =>
  a.timestamp === b.timestamp ? (a.id < b.id ? 1 : -1) : a.timestamp < b.timestamp ? 1 : -1

describe.each(ENGINES)('priced / unpriced calls list on $name', ({ name, skip }) => {
  const all = records()
  let ledger: TestLedger
  let app: ReturnType<typeof createDashboardApp>

  beforeAll(async () => {
    if (skip) return
    ledger = await createTestLedger(name, all)
    app = createDashboardApp({ store: ledger.store, now: () => NOW })
  })
  afterAll(async () => {
    await ledger?.cleanup()
  })

  /** Every page of `query` at `limit`, concatenated, and the totals each page reported. */
  async function walk(query: string, limit: number): Promise<{ ids: string[]; totals: number[] }> {
    const ids: string[] = []
    const totals: number[] = []
    for (let offset = 0; ; offset += limit) {
      const response = await app.request(`/api/calls?${query}&limit=${limit}&offset=${offset}`)
      expect(response.status).toBe(200)
      const page = (await response.json()) as CallsPage
      totals.push(page.total)
      ids.push(...page.rows.map((row) => row.id))
      if (page.rows.length < limit) return { ids, totals }
    }
  }

  const cases: { query: string; keep: (r: CallRecord) => boolean; limits: number[] }[] = [
    { query: 'range=7d&priced=no', keep: (r) => r.cost === null, limits: [1, 4, 7, 500] },
    { query: 'range=7d&priced=yes', keep: (r) => r.cost !== null, limits: [9, 50] },
    {
      query: 'range=7d&priced=no&provider=oxen&status=ok',
      keep: (r) => r.cost === null && r.provider === 'oxen' && r.status === 'ok',
      limits: [2, 50],
    },
    {
      query: 'range=7d&priced=no&tag=user%3Dalice',
      keep: (r) => r.cost === null && r.tags['user'] === 'alice',
      limits: [3],
    },
    {
      // Edges inside hours: the partial hours at both ends are counted from the raw calls.
      query: 'from=2026-05-01T10:00:00Z&to=2026-05-02T07:20:00Z&priced=no',
      keep: (r) =>
        r.cost === null &&
        r.timestamp >= '2026-05-01T10:00:00.000Z' &&
        r.timestamp < '2026-05-02T07:20:00.000Z',
      limits: [2, 5],
    },
    {
      query: 'from=2026-05-01T09:59:00Z&to=2026-05-01T10:00:00.001Z&priced=no',
      keep: (r) => r.cost === null && r.timestamp === '2026-05-01T10:00:00.000Z',
      limits: [1, 2],
    },
  ]

  it.skipIf(skip)('walks every page of each list, newest first, with exact totals', async () => {
    const unpriced = all.filter((r) => r.cost === null)
    // The fixture is what the test needs: rare unpriced calls, spread over many hours.
    expect(unpriced.length).toBeGreaterThan(10)
    expect(unpriced.length * 5).toBeLessThan(all.length)
    expect(new Set(unpriced.map((r) => r.timestamp.slice(0, 13))).size).toBeGreaterThan(8)
    for (const { query, keep, limits } of cases) {
      const expected = all.filter(keep).sort(newestFirst)
      expect(expected.length, query).toBeGreaterThan(0)
      for (const limit of limits) {
        const { ids, totals } = await walk(query, limit)
        expect(ids, `${query} limit ${limit}`).toEqual(expected.map((r) => r.id))
        expect(new Set(totals), `${query} limit ${limit}`).toEqual(new Set([expected.length]))
      }
    }
  })

  it.skipIf(skip)('answers an empty page past the end and returns whole records', async () => {
    const unpriced = all.filter((r) => r.cost === null).sort(newestFirst)
    const past = await app.request(`/api/calls?range=7d&priced=no&offset=${unpriced.length}`)
    expect(await past.json()).toMatchObject({ total: unpriced.length, rows: [] })
    const first = (await (
      await app.request('/api/calls?range=7d&priced=no&limit=1')
    ).json()) as CallsPage
    expect(first.rows[0]).toEqual(await ledger.store.getCall(unpriced[0]!.id))
    expect(first.rows[0]).toMatchObject({ id: unpriced[0]!.id, cost: null, card: null })
  })
})
