import { isTokenledgerError, picoFromUsd } from '@tokenledger/pricing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { asStored, expectedSummary, matches } from '../__fixtures__/expected-summary.js'
import type { CallRecord } from '../call-record.js'
import type { CallFilterQuery, CallSort, LedgerStore, ListQuery } from '../ledger-store.js'
import { openStore } from '../open-store.js'
import { ENGINES } from '../testing/test-engines.js'
import type { LedgerFixture } from '../testing/test-engines.js'
import { createRecordFactory } from '../testing/record-factory.js'

/** The oracle: the list filters and orders written out in plain JavaScript. */
function selects(record: CallRecord, query: CallFilterQuery): boolean {
  if (!matches(record, query)) return false
  if (query.priced === true && record.cost === null) return false
  if (query.priced === false && record.cost !== null) return false
  if (query.search !== undefined && record.id !== query.search && record.requestId !== query.search)
    return false
  return true
}

function sortValue(record: CallRecord, sort: CallSort): bigint | null {
  switch (sort) {
    case 'time':
      return BigInt(Date.parse(record.timestamp))
    case 'cost':
      return record.cost === null ? null : picoFromUsd(record.cost)
    case 'tokens':
      return BigInt(record.usage.inputTokens + record.usage.outputTokens)
    case 'latency':
      return record.latencyMs === null ? null : BigInt(record.latencyMs)
  }
}

function expectedList(records: CallRecord[], query: Omit<ListQuery, 'limit' | 'offset'>) {
  const sort = query.sort ?? 'time'
  const up = query.order === 'asc' ? 1 : -1
  const newestFirst = (a: CallRecord, b: CallRecord) =>
    Date.parse(b.timestamp) - Date.parse(a.timestamp) || (a.id < b.id ? 1 : -1)
  return records
    .filter((r) => selects(r, query))
    .sort((a, b) => {
      if (sort === 'time') return up === -1 ? newestFirst(a, b) : -newestFirst(a, b)
      const x = sortValue(a, sort)
      const y = sortValue(b, sort)
      if (x !== y) {
        if (x === null) return 1
        if (y === null) return -1
        return x < y ? -up : up
      }
      return newestFirst(a, b)
    })
    .map(asStored)
}

for (const engine of ENGINES) {
  describe.skipIf(engine.skip !== null)(`call list filters and sorts on ${engine.name}`, () => {
    let fixture: LedgerFixture
    let store: LedgerStore
    const records = createRecordFactory({ seed: 31, stepMs: 37 * 60_000 }).batch(700)
    // Two calls that share one provider request id (a retried request), to search for.
    records[10] = { ...records[10]!, requestId: 'req-shared' }
    records[500] = { ...records[500]!, requestId: 'req-shared' }

    beforeAll(async () => {
      fixture = await engine.fresh()
      store = await openStore(fixture.url)
      await store.insert(records)
    })
    afterAll(async () => {
      await store?.close()
      await fixture?.cleanup()
    })

    const queries: Omit<ListQuery, 'limit' | 'offset'>[] = [
      { priced: false },
      { priced: true, provider: 'openrouter' },
      // An unaligned range: the total is split between rollups and raw calls.
      { priced: false, since: new Date(Date.parse(records[100]!.timestamp) + 1234) },
      { priced: true, tags: { user: 'alice' } },
      { search: records[42]!.id },
      { search: 'req-shared' },
      { search: 'no-such-id' },
      { sort: 'cost' },
      { sort: 'cost', order: 'asc', priced: true },
      { sort: 'tokens', status: 'ok' },
      { sort: 'latency', order: 'asc' },
      { sort: 'time', order: 'asc', priced: false },
    ]

    it('pages through exactly the calls the oracle selects, in its order, with the total', async () => {
      for (const query of queries) {
        const expected = expectedList(records, query)
        const seen: CallRecord[] = []
        for (let offset = 0; ; offset += 83) {
          const page = await store.listCalls({ ...query, limit: 83, offset })
          expect(page.total, JSON.stringify(query)).toBe(expected.length)
          if (page.rows.length === 0) break
          seen.push(...page.rows)
        }
        expect(seen, JSON.stringify(query)).toEqual(expected)
      }
      // The fixture has both kinds, so the priced filters were not vacuous.
      expect(expectedList(records, { priced: false }).length).toBeGreaterThan(10)
      expect(expectedList(records, { search: 'req-shared' })).toHaveLength(2)
    })

    it('iterates with the same filters, oldest first', async () => {
      for (const query of [
        { priced: false },
        { priced: true, status: 'ok' as const },
        { search: 'req-shared' },
      ]) {
        const seen: CallRecord[] = []
        for await (const batch of store.iterateCalls(query, 50)) seen.push(...batch)
        expect(seen).toEqual(expectedList(records, { ...query, order: 'asc' }))
      }
    })

    it('rejects bad list options naming them', async () => {
      const cases: [() => Promise<unknown>, string][] = [
        [
          () => store.listCalls({ limit: 5, offset: 0, sort: 'price' as CallSort }),
          'listCalls: sort: expected one of time, cost, tokens, latency, got "price"',
        ],
        [
          () => store.listCalls({ limit: 5, offset: 0, order: 'up' as 'asc' }),
          'listCalls: order: expected asc or desc, got "up"',
        ],
        [
          () => store.listCalls({ limit: 5, offset: 0, priced: 'no' as unknown as boolean }),
          'listCalls: priced: expected true, false or undefined, got "no"',
        ],
        [
          () => store.listCalls({ limit: 5, offset: 0, search: '' }),
          'listCalls: search: expected a call id or request id of 1 to 200 characters',
        ],
      ]
      for (const [run, message] of cases) {
        const error = await run().catch((e: unknown) => e)
        expect(isTokenledgerError(error, 'QUERY_INVALID'), message).toBe(true)
        expect((error as Error).message).toBe(message)
      }
    })
  })
}

for (const engine of ENGINES) {
  describe.skipIf(engine.skip !== null)(`tag keys on ${engine.name}`, () => {
    it('lists each distinct key once, in code-unit order, and none for an empty ledger', async () => {
      const fixture = await engine.fresh()
      const store = await openStore(fixture.url)
      try {
        expect(await store.tagKeys()).toEqual([])
        const records = createRecordFactory({ seed: 3 }).batch(200)
        records[0] = { ...records[0]!, tags: { Zeta: '1', 'team/a': 'x', ä: 'y' } }
        await store.insert(records)
        const expected = [...new Set(records.flatMap((r) => Object.keys(r.tags)))].sort((a, b) =>
          a < b ? -1 : a > b ? 1 : 0,
        )
        expect(expected.length).toBeGreaterThan(3)
        expect(await store.tagKeys()).toEqual(expected)
        // Keys that need quoting in a JSON path group exactly as plain ones do.
        const odd = createRecordFactory({ seed: 4, start: '2026-07-01T00:00:00Z' }).batch(30)
        odd.forEach((r, i) => {
          r.tags = { 'a.b': `v${i % 3}`, "it's": 'x', 'q"uote': `w${i % 2}`, 'back\\slash': 'z' }
        })
        await store.insert(odd)
        const since = new Date('2026-07-01T00:00:00Z')
        for (const key of ['a.b', "it's", 'q"uote', 'back\\slash', 'user'])
          expect(await store.summarize({ since, groupBy: [`tag:${key}`] })).toEqual(
            expectedSummary(odd, { since, groupBy: [`tag:${key}`] }),
          )
      } finally {
        await store.close()
        await fixture.cleanup()
      }
    })
  })
}
