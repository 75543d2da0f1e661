import { sql } from 'kysely'
import type { Kysely } from 'kysely'
import type { StoreDialect } from '../ledger-store.js'
import type { Migration } from './migration.js'

/**
 * The first schema: `calls`, `call_tags`, and the hourly rollup `call_rollups`.
 *
 * Money is BIGINT picodollars (SQLite: INTEGER affinity, 64-bit), never REAL. Indexes are kept to
 * what the queries need, because every index slows ingest: `calls(ts)` for ranges and paging,
 * `call_tags(key, value)` for tag filters (its entries are appended in rowid order, so they are
 * cheap), and the rollup's primary key (hour first) for the dashboard's range scans.
 */
export const initialMigration: Migration = {
  version: 1,
  name: 'initial',
  async up(db: Kysely<any>, dialect: StoreDialect): Promise<void> {
    // SQLite stores the rollup clustered by its key (hour first): range scans read adjacent pages.
    const clustered = dialect === 'sqlite' ? sql`WITHOUT ROWID` : sql``

    await db.schema
      .createTable('calls')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('ts', 'bigint', (c) => c.notNull())
      .addColumn('provider', 'text', (c) => c.notNull())
      .addColumn('requested_model', 'text', (c) => c.notNull())
      .addColumn('served_model', 'text')
      .addColumn('model', 'text')
      .addColumn('upstream_provider', 'text')
      .addColumn('endpoint', 'text', (c) => c.notNull())
      .addColumn('stream', 'integer', (c) => c.notNull())
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('http_status', 'integer')
      .addColumn('error_type', 'text')
      .addColumn('input_tokens', 'integer', (c) => c.notNull())
      .addColumn('cache_read_tokens', 'integer', (c) => c.notNull())
      .addColumn('cache_write_tokens', 'integer', (c) => c.notNull())
      .addColumn('cache_write_1h_tokens', 'integer', (c) => c.notNull())
      .addColumn('output_tokens', 'integer', (c) => c.notNull())
      .addColumn('reasoning_tokens', 'integer', (c) => c.notNull())
      .addColumn('usage_provenance', 'text', (c) => c.notNull())
      .addColumn('cost_pico', 'bigint')
      .addColumn('cost_input_pico', 'bigint')
      .addColumn('cost_cache_read_pico', 'bigint')
      .addColumn('cost_cache_write_pico', 'bigint')
      .addColumn('cost_output_pico', 'bigint')
      .addColumn('cache_savings_pico', 'bigint')
      .addColumn('card', 'text')
      .addColumn('reported_cost_pico', 'bigint')
      .addColumn('latency_ms', 'integer')
      .addColumn('ttft_ms', 'integer')
      .addColumn('request_id', 'text')
      .addColumn('service_tier', 'text')
      .addColumn('tags', 'text', (c) => c.notNull())
      .execute()
    await db.schema.createIndex('calls_ts_idx').on('calls').column('ts').execute()

    // No primary key: a call's tags are written once, with the call (ids are idempotent, tag keys
    // unique per call), and a second B-tree keyed by random ids would cost ingest a third of its
    // speed. Tag filters use (key, value); tag grouping reads `calls.tags`.
    await db.schema
      .createTable('call_tags')
      .addColumn('call_id', 'text', (c) => c.notNull())
      .addColumn('key', 'text', (c) => c.notNull())
      .addColumn('value', 'text', (c) => c.notNull())
      .execute()
    await db.schema
      .createIndex('call_tags_key_value_idx')
      .on('call_tags')
      .columns(['key', 'value'])
      .execute()

    let rollups = db.schema
      .createTable('call_rollups')
      .addColumn('hour_ts', 'bigint', (c) => c.notNull())
      .addColumn('provider', 'text', (c) => c.notNull())
      .addColumn('model', 'text', (c) => c.notNull())
      .addColumn('upstream', 'text', (c) => c.notNull())
      .addColumn('status', 'text', (c) => c.notNull())
    // SQLite turns an integer sum that overflows 64 bits into a REAL without a word; the CHECK
    // makes such an upsert fail loudly instead (PostgreSQL's BIGINT raises on its own).
    const integral = (column: string) =>
      dialect === 'sqlite' ? sql`CHECK (typeof(${sql.ref(column)}) = 'integer')` : sql``
    for (const column of [
      'calls',
      'priced_calls',
      'reported_calls',
      'input_tokens',
      'cache_read_tokens',
      'cache_write_tokens',
      'output_tokens',
      'reasoning_tokens',
      'cost_pico',
      'cache_savings_pico',
      'reported_cost_pico',
      'computed_of_reported_pico',
    ]) {
      rollups = rollups.addColumn(column, 'bigint', (c) =>
        c.notNull().defaultTo(0).modifyEnd(integral(column)),
      )
    }
    await rollups
      .addPrimaryKeyConstraint('call_rollups_pk', [
        'hour_ts',
        'provider',
        'model',
        'upstream',
        'status',
      ])
      .modifyEnd(clustered)
      .execute()
  },
}
