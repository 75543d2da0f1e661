import { DAILY_KEY_COLUMNS, dailyDeltas } from '../daily-rollups.js'
import {
  ROLLUP_SUM_COLUMNS,
  type RollupDeltas,
  rollupKeyValues,
  rollupUpsertAssignments,
} from '../rollups.js'
import type { SqliteDatabase, SqliteStatement } from './sqlite-connection.js'

/**
 * The SQLite side of the daily rollup: prepared once per store, run inside the writer's
 * transaction with the hourly deltas it just applied (see daily-rollups.ts).
 */
export class SqliteDailyRollups {
  readonly #upsert: SqliteStatement
  readonly #deleteEmpty: SqliteStatement

  constructor(db: SqliteDatabase) {
    const columns = [...DAILY_KEY_COLUMNS, ...ROLLUP_SUM_COLUMNS]
    this.#upsert = db.prepare(
      `INSERT INTO call_rollups_daily (${columns.join(', ')}) VALUES (${columns.map(() => '?').join(', ')})
       ON CONFLICT (${DAILY_KEY_COLUMNS.join(', ')}) DO UPDATE SET ${rollupUpsertAssignments('call_rollups_daily')}`,
    )
    // A cost update can move every call out of a day's row (a model learnt): drop the empty row,
    // as the hourly writer does, so it never shows as a group of zero calls.
    this.#deleteEmpty = db.prepare(
      `DELETE FROM call_rollups_daily
       WHERE ${DAILY_KEY_COLUMNS.map((c) => `${c} = ?`).join(' AND ')} AND calls = 0`,
    )
  }

  /** Adds the days' share of the hourly deltas (call inside the writer's transaction). */
  apply(hourly: RollupDeltas): void {
    for (const { key, sums } of dailyDeltas(hourly)) {
      const keyValues = rollupKeyValues(key)
      this.#upsert.run(...keyValues, ...sums)
      if (sums[0]! < 0n) this.#deleteEmpty.run(...keyValues)
    }
  }
}
