import { sql } from 'kysely'
import type { Kysely } from 'kysely'
import { DAY_MS } from '../daily-rollups.js'
import type { StoreDialect } from '../ledger-store.js'
import {
  ROLLUP_KEY_COLUMNS,
  ROLLUP_SUM_COLUMNS,
  rollupKeyExpressions,
  rollupSumExpressions,
} from '../rollups.js'
import type { Migration } from './migration.js'

/**
 * `call_rollups` and `call_rollups_daily` keyed as the tag rollups are (migration 007): also by
 * `unknown_model` (the id a call without a canonical model was served, else requested, as) and
 * `priced`, so the rows answer every figure alone (see rollups.ts).
 *
 * Why: the old rows keyed unknown models as '' and lumped the reported cost of unpriced calls
 * with the priced, so every query that grouped by model or totalled spend also read those calls
 * from the raw table over its whole range (8% of the benchmark's calls, one page each): about
 * 680 ms of a whole-year overview of a 1M-call ledger, where the rollups alone answer in tens of
 * milliseconds.
 *
 * Rebuilt from `calls` (one INSERT ... SELECT ... GROUP BY), the daily rows from the new hourly
 * ones, so the migration works on a ledger with data and running it again gives the same exact
 * tables.
 */
export const selfContainedRollupsMigration: Migration = {
  version: 8,
  name: 'self-contained-rollups',
  async up(db: Kysely<any>, dialect: StoreDialect): Promise<void> {
    const clustered = dialect === 'sqlite' ? sql`WITHOUT ROWID` : sql``
    // As in call_rollups (001): SQLite would turn an overflowing integer sum into a REAL silently.
    const integral = (column: string) =>
      dialect === 'sqlite' ? sql`CHECK (typeof(${sql.ref(column)}) = 'integer')` : sql``
    const sums = sql.join(
      ROLLUP_SUM_COLUMNS.map(
        (column) => sql`${sql.ref(column)} BIGINT NOT NULL DEFAULT 0 ${integral(column)}`,
      ),
    )
    for (const [table, time] of [
      ['call_rollups', 'hour_ts'],
      ['call_rollups_daily', 'day_ts'],
    ] as const) {
      await sql`DROP TABLE IF EXISTS ${sql.table(table)}`.execute(db)
      // Time first: the dashboard's range scans read adjacent pages (SQLite: clustered).
      await sql`
        CREATE TABLE ${sql.table(table)} (
          ${sql.ref(time)} BIGINT NOT NULL,
          provider TEXT NOT NULL,
          model TEXT NOT NULL,
          unknown_model TEXT NOT NULL,
          priced INTEGER NOT NULL,
          upstream TEXT NOT NULL,
          status TEXT NOT NULL,
          ${sums},
          CONSTRAINT ${sql.id(`${table}_pk`)} PRIMARY KEY
            (${sql.ref(time)}, provider, model, unknown_model, priced, upstream, status)
        ) ${clustered}`.execute(db)
    }
    const keys = rollupKeyExpressions('c')
    const sumsOfCalls = rollupSumExpressions('c')
    const keyColumns = ROLLUP_KEY_COLUMNS.join(', ')
    const sumColumns = ROLLUP_SUM_COLUMNS.join(', ')
    const groupAll = ROLLUP_KEY_COLUMNS.map((_, i) => i + 1).join(', ')
    await sql`
      INSERT INTO call_rollups (${sql.raw(keyColumns)}, ${sql.raw(sumColumns)})
      SELECT ${sql.raw(ROLLUP_KEY_COLUMNS.map((c) => keys[c]).join(', '))},
        ${sql.raw(ROLLUP_SUM_COLUMNS.map((c) => sumsOfCalls[c]).join(', '))}
      FROM calls c GROUP BY ${sql.raw(groupAll)}`.execute(db)
    const day = sql.lit(DAY_MS)
    await sql`
      INSERT INTO call_rollups_daily (day_ts, ${sql.raw(keyColumns.replace('hour_ts, ', ''))}, ${sql.raw(sumColumns)})
      SELECT hour_ts - ((hour_ts % ${day}) + ${day}) % ${day},
        ${sql.raw(ROLLUP_KEY_COLUMNS.slice(1).join(', '))},
        ${sql.raw(ROLLUP_SUM_COLUMNS.map((c) => `SUM(${c})`).join(', '))}
      FROM call_rollups GROUP BY ${sql.raw(groupAll)}`.execute(db)
  },
}
