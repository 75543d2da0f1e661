import { sql } from 'kysely'
import type { Kysely } from 'kysely'
import type { Migration } from './migration.js'

/**
 * Drops migration 006's partial indexes (`calls(ts)` of the calls without a canonical model, and
 * of the unpriced calls with a reported cost). Since migration 008 the rollups answer those parts
 * themselves, so no query reads them any more: the calls list's `priced: false` filter
 * (`cost_pico IS NULL`) implies neither index's predicate, so it never could use them. Dropped,
 * they no longer cost every insert of such a call an index entry.
 */
export const dropRawPartsIndexesMigration: Migration = {
  version: 9,
  name: 'drop-raw-parts-indexes',
  async up(db: Kysely<any>): Promise<void> {
    await sql`DROP INDEX IF EXISTS calls_unknown_model_ts_idx`.execute(db)
    await sql`DROP INDEX IF EXISTS calls_unpriced_reported_ts_idx`.execute(db)
  },
}
