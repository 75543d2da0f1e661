import { picoFromUsd, usdFromPico } from '@tokenledger/pricing'
import { sql } from 'kysely'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { expectedSeries, expectedSummary } from '../__fixtures__/expected-summary.js'
import type { CallRecord } from '../call-record.js'
import type { CostUpdate, LedgerQuery, LedgerStore } from '../ledger-store.js'
import { openStore } from '../open-store.js'
import { planLedgerQuery } from '../queries/query-source.js'
import { summarize } from '../queries/summarize.js'
import { createRecordFactory } from '../testing/record-factory.js'
import { ENGINES } from '../testing/test-engines.js'
import type { LedgerFixture } from '../testing/test-engines.js'
import { dailyRollupsMigration } from './005-daily-rollups.js'
import { LATEST_VERSION } from './index.js'

const SUMS = `CAST(COUNT(*) AS TEXT) AS calls, CAST(COUNT(cost_pico) AS TEXT) AS priced_calls,
  CAST(COUNT(reported_cost_pico) AS TEXT) AS reported_calls,
  CAST(SUM(input_tokens) AS TEXT) AS input, CAST(SUM(output_tokens) AS TEXT) AS output,
  CAST(COALESCE(SUM(cost_pico), 0) AS TEXT) AS cost,
  CAST(COALESCE(SUM(reported_cost_pico), 0) AS TEXT) AS reported_cost`

/**
 * The hourly rollup as stored and as one raw GROUP BY of the calls computes it, written out here
 * (not with the store's key expressions): unknown models by raw id, priced apart.
 */
async function rollupVersusRaw(store: LedgerStore): Promise<{ stored: string[]; raw: string[] }> {
  const lines = (rows: Record<string, unknown>[]) => rows.map((r) => JSON.stringify(r)).sort()
  const { rows: stored } = await sql<Record<string, unknown>>`
    SELECT CAST(hour_ts AS TEXT) AS h, provider, model, unknown_model, CAST(priced AS TEXT) AS p,
      upstream, status, CAST(calls AS TEXT) AS calls, CAST(priced_calls AS TEXT) AS priced_calls,
      CAST(reported_calls AS TEXT) AS reported_calls, CAST(input_tokens AS TEXT) AS input,
      CAST(output_tokens AS TEXT) AS output, CAST(cost_pico AS TEXT) AS cost,
      CAST(reported_cost_pico AS TEXT) AS reported_cost
    FROM call_rollups`.execute(store.db)
  const { rows: raw } = await sql<Record<string, unknown>>`
    SELECT CAST(ts - ts % 3600000 AS TEXT) AS h, provider, COALESCE(model, '') AS model,
      CASE WHEN model IS NULL THEN COALESCE(served_model, requested_model) ELSE '' END AS unknown_model,
      CASE WHEN cost_pico IS NULL THEN '0' ELSE '1' END AS p,
      COALESCE(upstream_provider, '') AS upstream, status, ${sql.raw(SUMS)}
    FROM calls GROUP BY 1, 2, 3, 4, 5, 6, 7`.execute(store.db)
  return { stored: lines(stored), raw: lines(raw) }
}

/** Per day x raw model id: the unpriced calls' reported cost, stored daily rows vs raw calls. */
async function unpricedReportedPerDay(
  store: LedgerStore,
): Promise<{ stored: string[]; raw: string[] }> {
  const lines = (rows: Record<string, unknown>[]) => rows.map((r) => JSON.stringify(r)).sort()
  const { rows: stored } = await sql<Record<string, unknown>>`
    SELECT CAST(day_ts AS TEXT) AS d, CASE WHEN model = '' THEN unknown_model ELSE model END AS m,
      CAST(SUM(reported_calls) AS TEXT) AS n, CAST(SUM(reported_cost_pico) AS TEXT) AS cost
    FROM call_rollups_daily WHERE priced = 0 GROUP BY 1, 2 HAVING SUM(reported_calls) > 0`.execute(
    store.db,
  )
  const { rows: raw } = await sql<Record<string, unknown>>`
    SELECT CAST(ts - ts % 86400000 AS TEXT) AS d, COALESCE(model, served_model, requested_model) AS m,
      CAST(COUNT(*) AS TEXT) AS n, CAST(SUM(reported_cost_pico) AS TEXT) AS cost
    FROM calls WHERE cost_pico IS NULL AND reported_cost_pico IS NOT NULL GROUP BY 1, 2`.execute(
    store.db,
  )
  return { stored: lines(stored), raw: lines(raw) }
}

/** Takes the rollups back to what version 7 had (the old key), and the schema to version 7. */
async function backToVersion7(store: LedgerStore): Promise<void> {
  const db = store.db
  const clustered = store.dialect === 'sqlite' ? sql`WITHOUT ROWID` : sql``
  await sql`DROP TABLE call_rollups`.execute(db)
  await sql`
    CREATE TABLE call_rollups (
      hour_ts BIGINT NOT NULL, provider TEXT NOT NULL, model TEXT NOT NULL,
      upstream TEXT NOT NULL, status TEXT NOT NULL,
      calls BIGINT NOT NULL DEFAULT 0, priced_calls BIGINT NOT NULL DEFAULT 0,
      reported_calls BIGINT NOT NULL DEFAULT 0, input_tokens BIGINT NOT NULL DEFAULT 0,
      cache_read_tokens BIGINT NOT NULL DEFAULT 0, cache_write_tokens BIGINT NOT NULL DEFAULT 0,
      output_tokens BIGINT NOT NULL DEFAULT 0, reasoning_tokens BIGINT NOT NULL DEFAULT 0,
      cost_pico BIGINT NOT NULL DEFAULT 0, cache_savings_pico BIGINT NOT NULL DEFAULT 0,
      reported_cost_pico BIGINT NOT NULL DEFAULT 0, computed_of_reported_pico BIGINT NOT NULL DEFAULT 0,
      CONSTRAINT call_rollups_pk PRIMARY KEY (hour_ts, provider, model, upstream, status)
    ) ${clustered}`.execute(db)
  // Version 7's rows: unknown models lumped under '', priced and unpriced together.
  await sql`
    INSERT INTO call_rollups (hour_ts, provider, model, upstream, status, calls, priced_calls,
      reported_calls, input_tokens, cache_read_tokens, cache_write_tokens, output_tokens,
      reasoning_tokens, cost_pico, cache_savings_pico, reported_cost_pico, computed_of_reported_pico)
    SELECT ts - ts % 3600000, provider, COALESCE(model, ''), COALESCE(upstream_provider, ''), status,
      COUNT(*), COUNT(cost_pico), COUNT(reported_cost_pico), SUM(input_tokens),
      SUM(cache_read_tokens), SUM(cache_write_tokens), SUM(output_tokens), SUM(reasoning_tokens),
      COALESCE(SUM(cost_pico), 0), COALESCE(SUM(cache_savings_pico), 0),
      COALESCE(SUM(reported_cost_pico), 0),
      COALESCE(SUM(CASE WHEN reported_cost_pico IS NOT NULL THEN cost_pico END), 0)
    FROM calls GROUP BY 1, 2, 3, 4, 5`.execute(db)
  await dailyRollupsMigration.up(db, store.dialect) // the old daily rows, from the old hours
  await sql`CREATE INDEX calls_unknown_model_ts_idx ON calls (ts) WHERE model IS NULL`.execute(db)
  await sql`
    CREATE INDEX calls_unpriced_reported_ts_idx ON calls (ts)
    WHERE cost_pico IS NULL AND reported_cost_pico IS NOT NULL`.execute(db)
  await sql`DELETE FROM tokenledger_migrations WHERE version >= 8`.execute(db)
}

async function indexNames(store: LedgerStore): Promise<string[]> {
  const { rows } =
    store.dialect === 'sqlite'
      ? await sql<{ name: string }>`SELECT name FROM sqlite_master WHERE type = 'index'`.execute(
          store.db,
        )
      : await sql<{ name: string }>`
          SELECT indexname AS name FROM pg_indexes WHERE schemaname = current_schema()`.execute(
          store.db,
        )
  return rows.map((row) => String(row.name))
}

/** Unprices every 7th call that has a reported cost, prices every 5th unknown-model call. */
function repriceOf(records: CallRecord[], round: number): CostUpdate[] {
  const updates: CostUpdate[] = []
  records.forEach((record, i) => {
    if (record.reportedCost !== null && record.cost !== null && (i + round) % 7 === 0) {
      updates.push({
        id: record.id,
        cost: null,
        costBreakdown: null,
        cacheSavings: null,
        card: null,
        model: null,
      })
    } else if (record.model === null && record.cost === null && (i + round) % 5 === 0) {
      const input = usdFromPico(BigInt(record.usage.inputTokens) * 140_000n)
      const output = usdFromPico(BigInt(record.usage.outputTokens) * 280_000n)
      updates.push({
        id: record.id,
        cost: usdFromPico(picoFromUsd(input) + picoFromUsd(output)),
        costBreakdown: { input, cacheRead: usdFromPico(0n), cacheWrite: usdFromPico(0n), output },
        cacheSavings: usdFromPico(0n),
        card: 'deepseek/deepseek-v9-experimental@2026-06-01T00:00:00.000Z',
        model: 'deepseek-v9-experimental',
      })
    }
  })
  return updates
}

function applied(records: CallRecord[], updates: CostUpdate[]): CallRecord[] {
  const byId = new Map(updates.map((u) => [u.id, u]))
  return records.map((record) => {
    const u = byId.get(record.id)
    return u === undefined ? record : { ...record, ...u }
  })
}

const QUERIES: LedgerQuery[] = [
  {},
  { groupBy: ['model'] },
  { groupBy: ['day', 'model', 'provider'] },
  { model: 'deepseek-v9-experimental' },
  { since: new Date('2026-03-02T00:00:00Z'), until: new Date('2026-03-05T00:00:00Z') },
  {
    since: new Date('2026-03-01T07:41:10Z'),
    until: new Date('2026-03-06T02:03:00Z'),
    groupBy: ['model', 'status'],
  },
]

for (const engine of ENGINES) {
  describe.skipIf(engine.skip !== null)(
    `migration 008 (self-contained rollups) on ${engine.name}`,
    () => {
      let fixture: LedgerFixture
      beforeEach(async () => {
        fixture = await engine.fresh()
      })
      afterEach(async () => {
        await fixture?.cleanup()
      })

      it('rebuilds a version-7 ledger: totals equal a raw GROUP BY, before and after reprices', async () => {
        const factory = createRecordFactory({
          seed: 81,
          start: '2026-03-01T00:00:00Z',
          stepMs: 11 * 60_000,
        })
        // Half the unknown-model calls served under another id than requested: named by it.
        const inserted = factory
          .batch(1200)
          .map((r, i) =>
            r.model === null && r.servedModel !== null && i % 2 === 0
              ? { ...r, servedModel: `${r.requestedModel}-0601` }
              : r,
          )
        const store = await openStore(fixture.url)
        await store.insert(inserted)
        // Some unpriced calls with a reported cost: the part the old rollups could not hold.
        const unpriceFirst = repriceOf(inserted, 0).filter((u) => u.cost === null)
        await store.updateCosts(unpriceFirst)
        let records = applied(inserted, unpriceFirst)
        expect(records.some((r) => r.model === null && r.servedModel?.endsWith('-0601'))).toBe(true)
        expect(records.some((r) => r.cost === null && r.reportedCost !== null)).toBe(true)
        await backToVersion7(store)
        await store.close()

        await expect(openStore(fixture.url, { readOnly: true })).rejects.toThrow(
          new RegExp(`schema is at version 7, this tokenledger needs version ${LATEST_VERSION}`),
        )
        const migrated = await openStore(fixture.url)
        try {
          const check = async () => {
            const hourly = await rollupVersusRaw(migrated)
            expect(hourly.stored).toEqual(hourly.raw)
            const unpriced = await unpricedReportedPerDay(migrated)
            expect(unpriced.stored.length).toBeGreaterThan(0)
            expect(unpriced.stored).toEqual(unpriced.raw)
            for (const query of QUERIES) {
              // Whole hours come from the rollups alone: raw parts only for partial hours.
              const plan = await planLedgerQuery(migrated.db, migrated.dialect, query)
              for (const { query: part, source } of plan) {
                if (source.kind !== 'calls') continue
                expect(part.until!.getTime() - part.since!.getTime()).toBeLessThan(3_600_000)
              }
              const answer = await migrated.summarize(query)
              expect(answer, JSON.stringify(query)).toEqual(expectedSummary(records, query))
              expect(answer).toEqual(await summarize(migrated.db, migrated.dialect, query, 'calls'))
            }
            const series = { bucket: 'day', stackBy: 'model' } as const
            expect(await migrated.timeSeries(series)).toEqual(expectedSeries(records, series))
          }
          await check()
          const indexes = await indexNames(migrated)
          expect(indexes).not.toContain('calls_unknown_model_ts_idx')
          expect(indexes).not.toContain('calls_unpriced_reported_ts_idx')

          // Reprices after the migration move the new rows too.
          for (const round of [1, 2]) {
            const updates = repriceOf(records, round)
            expect(updates.length).toBeGreaterThan(0)
            await migrated.updateCosts(updates)
            records = applied(records, updates)
            await check()
          }
          // Writes after the migration land in the new rows.
          const more = factory.batch(150)
          await migrated.insert(more)
          records = [...records, ...more]
          await check()
        } finally {
          await migrated.close()
        }
      })
    },
  )
}
