import { isTokenledgerError, picoFromUsd, usdFromPico } from '@tokenledger/pricing'
import type { Usd } from '@tokenledger/pricing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  asStored,
  expectedSeries,
  expectedSummary,
  matches,
} from '../__fixtures__/expected-summary.js'
import type { CallRecord } from '../call-record.js'
import type { GroupKey, LedgerQuery, LedgerStore } from '../ledger-store.js'
import { openStore } from '../open-store.js'
import { ENGINES } from '../testing/test-engines.js'
import type { LedgerFixture } from '../testing/test-engines.js'
import { createRecordFactory } from '../testing/record-factory.js'
import { planQuery } from './query-source.js'
import { summarize } from './summarize.js'
import { timeSeries } from './time-series.js'

const picoOf = (usd: string | null) => (usd === null ? 0n : picoFromUsd(usd as Usd))

/**
 * ~75 days of calls (May to mid-July 2026, so weeks and months have several buckets), plus a few
 * hand-made ones for the edges: a bucket boundary to the millisecond, a call with no tags.
 */
function dataset(): CallRecord[] {
  const records = createRecordFactory({ seed: 5, stepMs: 3 * 3_600_000 }).batch(600)
  const edge = createRecordFactory({ seed: 6, start: '2026-05-31T23:59:59.000Z', stepMs: 500 })
  records.push(
    edge.next({ id: 'edge-last-ms-of-may', timestamp: '2026-05-31T23:59:59.999Z' }),
    edge.next({ id: 'edge-first-ms-of-june', timestamp: '2026-06-01T00:00:00.000Z' }),
    edge.next({
      id: 'edge-untagged',
      tags: {},
      cost: '0.000000000001' as Usd,
      model: 'deepseek-v4-flash',
    }),
  )
  // Unpriced calls the provider priced itself (items 12, 13 of issue 9): routed calls to models
  // the table does not know, named by the served id (else the requested one), and a known model
  // whose call could not be priced.
  const routed = createRecordFactory({
    seed: 7,
    start: '2026-05-03T10:20:00.000Z',
    stepMs: 2 * 3_600_000,
  })
  for (let i = 0; i < 12; i++) {
    records.push(
      routed.next({
        provider: 'openrouter',
        requestedModel: 'openrouter/auto',
        servedModel: i % 3 === 2 ? null : i % 2 === 0 ? 'acme/secret-model' : 'zeta/other-model',
        model: null,
        upstreamProvider: 'Acme',
        cost: null,
        costBreakdown: null,
        cacheSavings: null,
        card: null,
        reportedCost: i % 4 === 3 ? null : (`0.${String(1001 + i * 37)}` as Usd),
      }),
    )
  }
  records.push(
    routed.next({
      id: 'known-unpriced-reported',
      provider: 'openrouter',
      model: 'deepseek-v4-flash',
      cost: null,
      costBreakdown: null,
      cacheSavings: null,
      card: null,
      reportedCost: '0.0123' as Usd,
    }),
  )
  return records
}

const GROUPINGS: GroupKey[][] = [
  [],
  ['hour'],
  ['day'],
  ['week'],
  ['month'],
  ['model'],
  ['provider'],
  ['upstream'],
  ['status'],
  ['tag:user'],
  ['tag:env'],
  ['day', 'provider'],
  ['month', 'model', 'status'],
  ['provider', 'tag:feature'],
  ['tag:user', 'tag:feature'],
]

const FILTERS: LedgerQuery[] = [
  {},
  { provider: 'openrouter' },
  { model: 'deepseek-v4-flash' },
  { status: 'error' },
  { tags: { user: 'alice' } },
  { tags: { user: 'bob', feature: 'chat' } },
  // Hour-aligned ranges (rollups) and unaligned ones (raw calls).
  { since: new Date('2026-05-10T00:00:00Z'), until: new Date('2026-06-01T00:00:00Z') },
  { since: new Date('2026-05-10T07:30:00Z'), until: new Date('2026-06-01T00:00:00.001Z') },
  { since: new Date('2026-06-01T00:00:00Z') },
  { until: new Date('2026-05-20T13:00:00Z'), provider: 'deepseek', status: 'ok' },
  { since: new Date('2027-01-01T00:00:00Z') },
]

for (const engine of ENGINES) {
  describe.skipIf(engine.skip !== null)(`summarize and timeSeries on ${engine.name}`, () => {
    let fixture: LedgerFixture
    let store: LedgerStore
    const records = dataset()

    beforeAll(async () => {
      fixture = await engine.fresh()
      store = await openStore(fixture.url)
      // Three batches, as several meters' flushes would be.
      await store.insert(records.slice(0, 250))
      await store.insert(records.slice(250, 500))
      await store.insert(records.slice(500))
    })
    afterAll(async () => {
      await store?.close()
      await fixture?.cleanup()
    })

    it.each(GROUPINGS.map((groupBy) => [groupBy.join(' x ') || '(totals)', groupBy] as const))(
      'groups by %s: exactly the in-memory computation',
      async (_, groupBy) => {
        const rows = await store.summarize({ groupBy })
        expect(rows).toEqual(expectedSummary(records, { groupBy }))
        expect(rows.length).toBeGreaterThan(0)
      },
    )

    it('labels buckets as documented (UTC; weeks start on Monday)', async () => {
      const weeks = await store.summarize({
        groupBy: ['week'],
        until: new Date('2026-05-12T00:00:00Z'),
      })
      // 2026-05-01 is a Friday: its week starts on Monday 2026-04-27.
      expect(weeks.map((row) => row.group['week'])).toEqual([
        '2026-04-27',
        '2026-05-04',
        '2026-05-11',
      ])
      const months = await store.summarize({ groupBy: ['month'] })
      expect(months.map((row) => row.group['month'])).toEqual(['2026-05', '2026-06', '2026-07'])
      const edge = await store.summarize({
        groupBy: ['hour'],
        since: new Date('2026-05-31T23:00:00Z'),
        until: new Date('2026-06-01T01:00:00Z'),
      })
      expect(edge.map((row) => row.group['hour'])).toEqual(
        expect.arrayContaining(['2026-05-31T23:00:00.000Z', '2026-06-01T00:00:00.000Z']),
      )
    })

    it.each(FILTERS.map((query) => [JSON.stringify(query), query] as const))(
      'filters %s: sums equal the in-memory computation',
      async (_, filter) => {
        for (const groupBy of [[], ['day'], ['provider', 'model']] as GroupKey[][]) {
          const query = { ...filter, groupBy }
          expect(await store.summarize(query)).toEqual(expectedSummary(records, query))
        }
      },
    )

    it('rollups and raw calls give identical answers', async () => {
      for (const groupBy of GROUPINGS.filter(
        (keys) => !keys.some((key) => key.startsWith('tag:')),
      )) {
        for (const filter of FILTERS.filter((f) => !f.tags)) {
          const query = { ...filter, groupBy }
          const raw = await summarize(store.db, store.dialect, query, 'calls')
          const rolled = await summarize(store.db, store.dialect, query, 'rollups')
          expect(rolled).toEqual(raw)
        }
      }
    })

    it('an unaligned range: whole days and hours from the rollups, the edge hours from the raw calls', async () => {
      const query = {
        since: new Date('2026-05-10T07:30:00.001Z'),
        until: new Date('2026-06-20T16:45:00Z'),
      }
      const plan = (q: LedgerQuery) =>
        planQuery(store.dialect, q).map((part) => [
          part.source.grain,
          part.query.since?.toISOString(),
          part.query.until?.toISOString(),
        ])
      expect(plan(query)).toEqual([
        ['call', '2026-05-10T07:30:00.001Z', '2026-05-10T08:00:00.000Z'],
        ['hour', '2026-05-10T08:00:00.000Z', '2026-05-11T00:00:00.000Z'],
        ['day', '2026-05-11T00:00:00.000Z', '2026-06-20T00:00:00.000Z'],
        ['hour', '2026-06-20T00:00:00.000Z', '2026-06-20T16:00:00.000Z'],
        ['call', '2026-06-20T16:00:00.000Z', '2026-06-20T16:45:00.000Z'],
      ])
      // Grouped by hour, no day rows can answer.
      expect(plan({ ...query, groupBy: ['hour'] })).toEqual([
        ['call', '2026-05-10T07:30:00.001Z', '2026-05-10T08:00:00.000Z'],
        ['hour', '2026-05-10T08:00:00.000Z', '2026-06-20T16:00:00.000Z'],
        ['call', '2026-06-20T16:00:00.000Z', '2026-06-20T16:45:00.000Z'],
      ])
      // Open ends belong to the day rows alone.
      expect(plan({})).toEqual([['day', undefined, undefined]])
      expect(plan({ until: new Date('2026-05-10T07:10:00Z') })).toEqual([
        ['day', undefined, '2026-05-10T00:00:00.000Z'],
        ['hour', '2026-05-10T00:00:00.000Z', '2026-05-10T07:00:00.000Z'],
        ['call', '2026-05-10T07:00:00.000Z', '2026-05-10T07:10:00.000Z'],
      ])
      expect(
        planQuery(store.dialect, {
          since: new Date('2026-05-10T07:10:00Z'),
          until: new Date('2026-05-10T07:50:00Z'),
        }).map((p) => p.source.kind),
      ).toEqual(['calls'])
      for (const range of [
        query,
        { since: new Date('2026-05-31T23:59:59.999Z') },
        { until: new Date('2026-06-01T00:00:00.001Z') },
      ]) {
        for (const groupBy of [[], ['hour'], ['day', 'model'], ['status']] as GroupKey[][]) {
          const split = await store.summarize({ ...range, groupBy })
          expect(split).toEqual(
            await summarize(store.db, store.dialect, { ...range, groupBy }, 'calls'),
          )
          expect(split).toEqual(expectedSummary(records, { ...range, groupBy }))
        }
        const series = await store.timeSeries({ ...range, bucket: 'hour', stackBy: 'provider' })
        expect(series).toEqual(
          expectedSeries(records, { ...range, bucket: 'hour', stackBy: 'provider' }),
        )
        const { total } = await store.listCalls({ ...range, limit: 1, offset: 0 })
        expect(total).toBe(records.filter((r) => matches(r, range)).length)
      }
    })

    it('counts unpriced calls and never prices them at zero', async () => {
      const [oxen] = await store.summarize({ provider: 'oxen' })
      const oxenCalls = records.filter((r) => r.provider === 'oxen')
      expect(oxen?.calls).toBe(oxenCalls.length)
      expect(oxen?.unpricedCalls).toBe(oxenCalls.length)
      // No priced call: the cost is unknown, never $0 (item 11).
      expect(oxen?.cost).toBeNull()
      expect(oxen?.spend).toBeNull()
      const [all] = await store.summarize({})
      expect(all?.unpricedCalls).toBe(records.filter((r) => r.cost === null).length)
      expect(all?.unpricedCalls).toBeGreaterThan(50)
      const byModel = await store.summarize({ groupBy: ['model'] })
      expect(byModel.find((row) => row.group['model'] === null)).toBeUndefined()
      const experimental = byModel.find((row) => row.group['model'] === 'deepseek-v9-experimental')
      expect(experimental?.unpricedCalls).toBe(
        records.filter((r) => r.model === null && r.requestedModel === 'deepseek-v9-experimental')
          .length,
      )
      expect(experimental?.cost).toBeNull()
    })

    it('names unpriced models by the id served, else requested (item 12), on both sources', async () => {
      for (const since of [
        undefined,
        new Date('2026-05-01T00:00:00Z'),
        new Date('2026-05-01T00:30:00Z'),
      ]) {
        const query = { groupBy: ['model', 'provider'] as GroupKey[], ...(since ? { since } : {}) }
        const rows = await store.summarize(query)
        const models = rows.map((row) => row.group['model'])
        expect(models).toEqual(
          expect.arrayContaining([
            'acme/secret-model',
            'zeta/other-model',
            'openrouter/auto',
            'deepseek-v9-experimental',
          ]),
        )
        expect(models).not.toContain(null)
        expect(rows).toEqual(expectedSummary(records, query))
      }
      const [secret] = await store.summarize({ model: 'acme/secret-model' })
      expect(secret?.calls).toBe(
        records.filter((r) => r.servedModel === 'acme/secret-model').length,
      )
      const { total } = await store.listCalls({ model: 'acme/secret-model', limit: 1, offset: 0 })
      expect(total).toBe(secret?.calls)
      const series = await store.timeSeries({ bucket: 'day', stackBy: 'model' })
      expect(series.filter((p) => p.key === 'zeta/other-model').every((p) => p.cost === null)).toBe(
        true,
      )
    })

    it('totals the provider-reported cost of unpriced calls apart, and the sum (item 13)', async () => {
      const unpricedReported = records.filter((r) => r.cost === null && r.reportedCost !== null)
      expect(unpricedReported.length).toBeGreaterThan(5)
      const pico = (list: CallRecord[], pick: (r: CallRecord) => string | null) =>
        list.reduce((sum, r) => sum + picoOf(pick(r)), 0n)
      for (const source of ['auto', 'calls', 'rollups'] as const) {
        const [all] = await summarize(
          store.db,
          store.dialect,
          { since: new Date('2026-05-01T00:00:00Z') },
          source,
        )
        expect(all?.unpricedReportedCalls).toBe(unpricedReported.length)
        expect(all?.reportedCostOfUnpriced).toBe(
          usdFromPico(pico(unpricedReported, (r) => r.reportedCost)),
        )
        expect(all?.spend).toBe(
          usdFromPico(pico(records, (r) => r.cost) + pico(unpricedReported, (r) => r.reportedCost)),
        )
      }
    })

    it('keeps reported costs beside computed ones', async () => {
      const [routed] = await store.summarize({ provider: 'openrouter' })
      const reported = records.filter((r) => r.provider === 'openrouter' && r.reportedCost !== null)
      expect(routed?.reportedCalls).toBe(reported.length)
      expect(routed?.reportedCost).not.toBeNull()
      expect(routed?.computedCostOfReported).not.toBe(routed?.reportedCost)
      const [direct] = await store.summarize({ provider: 'tokenhub' })
      expect(direct?.reportedCost).toBeNull()
      expect(direct?.reportedCalls).toBe(0)
    })

    it('an empty selection: one zero row of totals, no groups', async () => {
      const query = { since: new Date('2030-01-01T00:00:00Z') }
      expect(await store.summarize(query)).toEqual([
        {
          group: {},
          calls: 0,
          inputTokens: 0,
          cacheReadTokens: 0,
          cacheWriteTokens: 0,
          outputTokens: 0,
          reasoningTokens: 0,
          cost: '0',
          reportedCost: null,
          cacheSavings: '0',
          unpricedCalls: 0,
          errorCalls: 0,
          abortedCalls: 0,
          reportedCalls: 0,
          computedCostOfReported: '0',
          reportedCostOfUnpriced: null,
          unpricedReportedCalls: 0,
          spend: '0',
        },
      ])
      expect(await store.summarize({ ...query, groupBy: ['day'] })).toEqual([])
    })

    it.each([
      ['day', 'model'],
      ['day', 'provider'],
      ['hour', 'model'],
      ['hour', 'provider'],
    ] as const)('timeSeries by %s stacked by %s', async (bucket, stackBy) => {
      for (const filter of [
        {},
        { since: new Date('2026-06-01T00:00:00Z'), provider: 'deepseek' },
        { tags: { user: 'carol' } },
        { until: new Date('2026-05-20T10:20:00Z') },
      ]) {
        const query = { ...filter, bucket, stackBy }
        const series = await store.timeSeries(query)
        expect(series).toEqual(expectedSeries(records, query))
        expect(series.length).toBeGreaterThan(0)
        expect(await timeSeries(store.db, store.dialect, query, 'calls')).toEqual(series)
      }
    })

    it('lists calls newest first, page by page, with the total', async () => {
      for (const filter of [
        {},
        { tags: { feature: 'search' } },
        { provider: 'deepseek', since: new Date('2026-05-20T10:20:00Z') },
      ]) {
        const expected = records
          .filter((r) => matches(r, filter))
          .sort(
            (a, b) => Date.parse(b.timestamp) - Date.parse(a.timestamp) || (a.id < b.id ? 1 : -1),
          )
          .map(asStored)
        const seen: CallRecord[] = []
        for (let offset = 0; ; offset += 97) {
          const page = await store.listCalls({ ...filter, limit: 97, offset })
          expect(page.total).toBe(expected.length)
          if (page.rows.length === 0) break
          seen.push(...page.rows)
        }
        expect(seen).toEqual(expected)
      }
    })

    it('iterates every selected call once, oldest first, whatever the batch size', async () => {
      for (const [filter, batchSize] of [
        [{}, 64],
        [{ status: 'ok' as const }, 1000],
        [{ tags: { user: 'dave' } }, 7],
      ] as const) {
        const expected = records
          .filter((r) => matches(r, filter))
          .sort(
            (a, b) => Date.parse(a.timestamp) - Date.parse(b.timestamp) || (a.id < b.id ? -1 : 1),
          )
          .map(asStored)
        const seen: CallRecord[] = []
        for await (const batch of store.iterateCalls(filter, batchSize)) {
          expect(batch.length).toBeLessThanOrEqual(batchSize)
          seen.push(...batch)
        }
        expect(seen).toEqual(expected)
      }
    })

    it('rejects bad queries with messages that name the field', async () => {
      const cases: [() => Promise<unknown>, string][] = [
        [
          () => store.summarize({ groupBy: ['weekday' as GroupKey] }),
          'summarize: groupBy[0]: unknown group key "weekday"; expected one of hour, day, week, month, model, provider, upstream, status or tag:KEY',
        ],
        [
          () => store.summarize({ groupBy: ['tag:' as GroupKey] }),
          'summarize: groupBy[0]: unknown group key "tag:"',
        ],
        [
          () => store.summarize({ groupBy: ['day', 'day'] }),
          'summarize: groupBy[1]: day is listed twice',
        ],
        [
          () => store.summarize({ since: new Date('nope') }),
          'summarize: since: expected a valid Date, got Invalid Date',
        ],
        [
          () => store.summarize({ since: new Date('2026-06-01'), until: new Date('2026-05-01') }),
          'summarize: until: 2026-05-01T00:00:00.000Z is before since 2026-06-01T00:00:00.000Z',
        ],
        [
          () => store.summarize({ status: 'failed' as 'ok' }),
          'summarize: status: expected one of ok, error, aborted, got "failed"',
        ],
        [
          () => store.listCalls({ limit: 0, offset: 0 }),
          'listCalls: limit: expected an integer from 1 to 10000, got 0',
        ],
        [
          () => store.listCalls({ limit: 10, offset: -1 }),
          'listCalls: offset: expected an integer from 0',
        ],
        [
          () => store.timeSeries({ bucket: 'week' as 'day', stackBy: 'model' }),
          'timeSeries: bucket: expected hour or day, got "week"',
        ],
      ]
      for (const [run, message] of cases) {
        const error = await run().catch((e: unknown) => e)
        expect(isTokenledgerError(error, 'QUERY_INVALID'), message).toBe(true)
        expect((error as Error).message).toContain(message)
      }
    })
  })
}
