/**
 * The daily rollup on both engines: after inserts and cost updates, every daily row is exactly
 * the sum of the hourly rows of its day (no row of zero calls left behind), the migration builds
 * the same table from the hourly rows, and queries that read the day rows answer exactly what the
 * raw calls say.
 */
import type { Usd } from '@tokenledger/pricing'
import { sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { expectedSummary } from './__fixtures__/expected-summary.js'
import type { CallRecord } from './call-record.js'
import type { GroupKey, LedgerQuery, LedgerStore } from './ledger-store.js'
import { openStore } from './open-store.js'
import { summarize } from './queries/summarize.js'
import { planQuery } from './queries/query-source.js'
import { ROLLUP_SUM_COLUMNS } from './rollups.js'
import { ENGINES } from './testing/test-engines.js'
import type { LedgerFixture } from './testing/test-engines.js'
import { createRecordFactory } from './testing/record-factory.js'

const DAY = 86_400_000
const text = (column: string) => sql.raw(`CAST(${column} AS TEXT)`)

/** The hourly rows summed per day, and the daily rows, both as sorted JSON lines. */
async function bothWays(store: LedgerStore): Promise<{ fromHours: string[]; days: string[] }> {
  const sums = ROLLUP_SUM_COLUMNS.map((c) => sql`CAST(SUM(${sql.ref(c)}) AS TEXT) AS ${sql.ref(c)}`)
  const { rows: fromHours } = await sql<Record<string, unknown>>`
    SELECT CAST(hour_ts - hour_ts % ${sql.lit(DAY)} AS TEXT) AS day, provider, model, unknown_model,
      priced, upstream, status, ${sql.join(sums)}
    FROM call_rollups GROUP BY 1, 2, 3, 4, 5, 6, 7 HAVING SUM(calls) <> 0`.execute(store.db)
  const { rows: days } = await sql<Record<string, unknown>>`
    SELECT ${text('day_ts')} AS day, provider, model, unknown_model, priced, upstream, status,
      ${sql.join(ROLLUP_SUM_COLUMNS.map((c) => sql`${text(c)} AS ${sql.ref(c)}`))}
    FROM call_rollups_daily`.execute(store.db)
  const lines = (rows: Record<string, unknown>[]) => rows.map((r) => JSON.stringify(r)).sort()
  return { fromHours: lines(fromHours), days: lines(days) }
}

for (const engine of ENGINES) {
  describe.skipIf(engine.skip !== null)(`daily rollups on ${engine.name}`, () => {
    let fixture: LedgerFixture
    let store: LedgerStore
    // Nine days, every 23 minutes: days with many hours, hours with several calls.
    const records: CallRecord[] = createRecordFactory({
      seed: 41,
      start: '2026-03-01T05:17:00.000Z',
      stepMs: 23 * 60_000,
    }).batch(560)

    beforeAll(async () => {
      fixture = await engine.fresh()
      store = await openStore(fixture.url)
      await store.insert(records.slice(0, 300))
      await store.insert(records.slice(300))
    })
    afterAll(async () => {
      await store?.close()
      await fixture?.cleanup()
    })

    it('every daily row is the exact sum of its hours, after inserts and cost updates', async () => {
      let { fromHours, days } = await bothWays(store)
      expect(days.length).toBeGreaterThan(9)
      expect(days).toEqual(fromHours)
      // Re-price: some calls become unpriced, some learn another model (they move rows), and the
      // only call of a (day, provider, model) row moves out, leaving no row of zero calls.
      const updates = records.slice(0, 120).map((r, i) => ({
        id: r.id,
        cost: i % 3 === 0 ? null : ('0.000123' as Usd),
        costBreakdown: null,
        cacheSavings: null,
        card: null,
        model: i % 4 === 0 ? 'deepseek-v4-pro' : r.model,
      }))
      await store.updateCosts(updates)
      ;({ fromHours, days } = await bothWays(store))
      expect(days).toEqual(fromHours)
      const { rows: empty } = await sql<{ n: unknown }>`
        SELECT COUNT(*) AS n FROM call_rollups_daily WHERE calls = 0`.execute(store.db)
      expect(Number(empty[0]!.n)).toBe(0)
    })

    it('answers from the day rows exactly what the raw calls say', async () => {
      const stored: CallRecord[] = []
      for await (const page of store.iterateCalls({})) stored.push(...page)
      const queries: LedgerQuery[] = [
        {},
        { since: new Date('2026-03-02T00:00:00Z'), until: new Date('2026-03-08T00:00:00Z') },
        { since: new Date('2026-03-01T07:41:10Z'), until: new Date('2026-03-09T02:03:00Z') },
        { provider: 'openrouter', since: new Date('2026-03-03T11:00:00Z') },
        { model: 'deepseek-v4-pro', status: 'ok', until: new Date('2026-03-07T13:30:00Z') },
      ]
      const groupings: GroupKey[][] = [[], ['day', 'model'], ['provider', 'status'], ['month']]
      for (const query of queries) {
        for (const groupBy of groupings) {
          const q = { ...query, groupBy }
          const answer = await store.summarize(q)
          expect(answer, JSON.stringify(q)).toEqual(expectedSummary(stored, q))
          expect(answer).toEqual(await summarize(store.db, store.dialect, q, 'calls'))
        }
        expect(planQuery(store.dialect, query).some((p) => p.source.grain === 'day')).toBe(true)
        const series = await store.timeSeries({ ...query, bucket: 'day', stackBy: 'model' })
        const hourly = await store.timeSeries({ ...query, bucket: 'hour', stackBy: 'model' })
        const sum = (rows: { calls: number }[]) => rows.reduce((n, r) => n + r.calls, 0)
        expect(sum(series)).toBe(sum(hourly))
      }
    })

    it('the migration builds the same daily rows from the hourly ones', async () => {
      const before = await bothWays(store)
      await sql`DELETE FROM call_rollups_daily`.execute(store.db)
      await sql`DELETE FROM tokenledger_migrations WHERE version >= 5`.execute(store.db)
      await store.close()
      store = await openStore(fixture.url)
      expect(await bothWays(store)).toEqual(before)
    })
  })
}
