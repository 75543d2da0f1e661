import { sql } from 'kysely'
import type { Kysely } from 'kysely'
import type { Migration } from './migration.js'

/**
 * Two partial indexes on `calls(ts)`, one for calls without a canonical model and one for unpriced
 * calls with a provider-reported cost.
 *
 * Why: the rollups key unknown models as '' and do not hold the reported cost of unpriced calls, so
 * a query that groups by model, or totals spend, reads those calls from the raw table over its
 * whole range (`completeRollupParts` in queries/query-source.ts). Without an index that part is a
 * scan of every call of the period: 1.5 s for a 30-day overview of a 10M-call ledger, where the
 * rollups alone answer in about 15 ms. Each index holds only the calls it is for (few, in a
 * ledger whose models are priced), so it costs ingest little; both engines use a partial index
 * when the query repeats its predicate, as those parts do.
 *
 * Superseded: since migration 008 the rollups answer those parts themselves, and 009 drops both
 * indexes.
 */
export const rawPartsByTimeMigration: Migration = {
  version: 6,
  name: 'raw-parts-by-time',
  async up(db: Kysely<any>): Promise<void> {
    await sql`CREATE INDEX IF NOT EXISTS calls_unknown_model_ts_idx ON calls (ts) WHERE model IS NULL`.execute(
      db,
    )
    await sql`
      CREATE INDEX IF NOT EXISTS calls_unpriced_reported_ts_idx ON calls (ts)
      WHERE cost_pico IS NULL AND reported_cost_pico IS NOT NULL`.execute(db)
  },
}
