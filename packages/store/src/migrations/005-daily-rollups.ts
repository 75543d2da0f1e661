import { sql } from 'kysely'
import type { Kysely } from 'kysely'
import type { StoreDialect } from '../ledger-store.js'
import { ROLLUP_SUM_COLUMNS } from '../rollups.js'
import type { Migration } from './migration.js'

/**
 * `call_rollups_daily`: the hourly rollup summed per UTC day, kept in the same write transaction
 * (see daily-rollups.ts). Why: a whole year of the hourly rollup is 8,760 hours x every provider x
 * model x status (130,000 rows on the benchmark ledger); whole days of a range are read here
 * instead, 24 times fewer rows, and only the partial days at a range's ends come from the hours.
 *
 * Built from `call_rollups` (exact integer sums of exact integer sums), once: a few seconds per
 * ten million calls, since it never reads `calls`.
 */
export const dailyRollupsMigration: Migration = {
  version: 5,
  name: 'daily-rollups',
  async up(db: Kysely<any>, dialect: StoreDialect): Promise<void> {
    const clustered = dialect === 'sqlite' ? sql`WITHOUT ROWID` : sql``
    // As in call_rollups: SQLite would turn an overflowing integer sum into a REAL silently.
    const integral = (column: string) =>
      dialect === 'sqlite' ? sql`CHECK (typeof(${sql.ref(column)}) = 'integer')` : sql``
    // Rebuilt from the hourly rows whenever it runs, so running it again (a schema re-applied
    // from an older version) gives the same exact table.
    await sql`DROP TABLE IF EXISTS call_rollups_daily`.execute(db)
    let table = db.schema
      .createTable('call_rollups_daily')
      .addColumn('day_ts', 'bigint', (c) => c.notNull())
      .addColumn('provider', 'text', (c) => c.notNull())
      .addColumn('model', 'text', (c) => c.notNull())
      .addColumn('upstream', 'text', (c) => c.notNull())
      .addColumn('status', 'text', (c) => c.notNull())
    for (const column of ROLLUP_SUM_COLUMNS) {
      table = table.addColumn(column, 'bigint', (c) =>
        c.notNull().defaultTo(0).modifyEnd(integral(column)),
      )
    }
    await table
      .addPrimaryKeyConstraint('call_rollups_daily_pk', [
        'day_ts',
        'provider',
        'model',
        'upstream',
        'status',
      ])
      .modifyEnd(clustered)
      .execute()
    const day = sql.raw('(hour_ts - ((hour_ts % 86400000) + 86400000) % 86400000)')
    const sums = sql.raw(ROLLUP_SUM_COLUMNS.map((c) => `SUM(${c})`).join(', '))
    await sql`
      INSERT INTO call_rollups_daily (day_ts, provider, model, upstream, status, ${sql.raw(ROLLUP_SUM_COLUMNS.join(', '))})
      SELECT ${day}, provider, model, upstream, status, ${sums}
      FROM call_rollups GROUP BY 1, 2, 3, 4, 5`.execute(db)
  },
}
