import { sql } from 'kysely'
import type { Kysely } from 'kysely'
import type { StoreDialect } from '../ledger-store.js'
import type { Migration } from './migration.js'

/** `calls` columns that hold token counts or durations: any count a record may carry. */
const COUNT_COLUMNS = [
  'input_tokens',
  'cache_read_tokens',
  'cache_write_tokens',
  'cache_write_1h_tokens',
  'output_tokens',
  'reasoning_tokens',
  'latency_ms',
  'ttft_ms',
] as const

/**
 * PostgreSQL: token counts and durations become `bigint`. The records accept any safe integer
 * (below 2^53), and an `integer` column refused 3,000,000,000 prompt tokens, which held the whole
 * batch back. SQLite's INTEGER is already 64-bit, so nothing changes there.
 *
 * The ALTER rewrites `calls` once (about as long as copying the table) under an exclusive lock.
 */
export const int8CountsMigration: Migration = {
  version: 3,
  name: 'int8-counts',
  async up(db: Kysely<any>, dialect: StoreDialect): Promise<void> {
    if (dialect !== 'postgres') return
    const changes = COUNT_COLUMNS.map((column) => `ALTER COLUMN ${column} TYPE bigint`).join(', ')
    await sql.raw(`ALTER TABLE calls ${changes}`).execute(db)
  },
}
