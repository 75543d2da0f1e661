import { sql } from 'kysely'
import type { Kysely } from 'kysely'
import type { StoreDialect } from '../ledger-store.js'
import { ROLLUP_SUM_COLUMNS } from '../rollups.js'
import type { Migration } from './migration.js'

/**
 * The tag rollups (see tag-rollups.ts): `rollup_tag_keys`, the ledger setting naming the tag keys
 * to roll up (empty: none, the default), and the hourly and daily sums per value of each such key,
 * `call_tag_rollups` and `call_tag_rollups_daily`.
 *
 * Why: a tag-filtered view or a breakdown by tag read the raw calls of its whole range (0.7 s for
 * 30 days of a 10M-call ledger). With the key rolled up it reads about as many rows as the plain
 * rollups do per value.
 *
 * Keyed by tag key, then time, then value: a breakdown by a key over a range is one range scan;
 * a filter on one value reads the rows of the key's other values in that range too (few, for the
 * team / feature / user keys a dashboard groups by). `unknown_model` and `priced` let the rows
 * answer alone what the plain rollups need raw calls for (see tag-rollups.ts). Empty at first: a key's rows are built when it
 * is added (`setTagRollupKeys`), never by the migration.
 *
 * Run again (a schema re-applied from an older version), it keeps the setting but rebuilds the
 * rows from nothing: every key goes back to backfilling from the oldest call, and queries read
 * the raw calls for it until `setTagRollupKeys` has backfilled it again.
 */
export const tagRollupsMigration: Migration = {
  version: 7,
  name: 'tag-rollups',
  async up(db: Kysely<any>, dialect: StoreDialect): Promise<void> {
    const clustered = dialect === 'sqlite' ? sql`WITHOUT ROWID` : sql``
    // As in call_rollups: SQLite would turn an overflowing integer sum into a REAL silently.
    const integral = (column: string) =>
      dialect === 'sqlite' ? sql`CHECK (typeof(${sql.ref(column)}) = 'integer')` : sql``
    // Byte order, as call_tags (migration 002): the same order on both engines, and cheaper.
    const bytes = dialect === 'postgres' ? sql`COLLATE "C"` : sql``
    await sql`
      CREATE TABLE IF NOT EXISTS rollup_tag_keys (
        key TEXT ${bytes} NOT NULL PRIMARY KEY,
        backfilled_until BIGINT,
        added_at TEXT NOT NULL
      )`.execute(db)
    for (const [table, time] of [
      ['call_tag_rollups', 'hour_ts'],
      ['call_tag_rollups_daily', 'day_ts'],
    ] as const) {
      await sql`DROP TABLE IF EXISTS ${sql.table(table)}`.execute(db)
      const sums = sql.join(
        ROLLUP_SUM_COLUMNS.map(
          (column) => sql`${sql.ref(column)} BIGINT NOT NULL DEFAULT 0 ${integral(column)}`,
        ),
      )
      await sql`
        CREATE TABLE ${sql.table(table)} (
          tag_key TEXT ${bytes} NOT NULL,
          tagged INTEGER NOT NULL,
          tag_value TEXT ${bytes} NOT NULL,
          unknown_model TEXT NOT NULL,
          priced INTEGER NOT NULL,
          ${sql.ref(time)} BIGINT NOT NULL,
          provider TEXT NOT NULL,
          model TEXT NOT NULL,
          upstream TEXT NOT NULL,
          status TEXT NOT NULL,
          ${sums},
          CONSTRAINT ${sql.id(`${table}_pk`)} PRIMARY KEY
            (tag_key, ${sql.ref(time)}, tagged, tag_value, provider, model, unknown_model, priced,
             upstream, status)
        ) ${clustered}`.execute(db)
    }
    await sql`UPDATE rollup_tag_keys SET backfilled_until = (SELECT MIN(ts) FROM calls)`.execute(db)
  },
}
