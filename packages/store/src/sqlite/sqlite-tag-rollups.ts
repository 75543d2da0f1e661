import { ROLLUP_SUM_COLUMNS, rollupUpsertAssignments } from '../rollups.js'
import {
  TAG_ROLLUP_TABLES,
  type TagRollupDelta,
  type TagRollupDeltas,
  type TagRollupKeyRow,
  tagDeltaKeyValues,
  tagRollupKeyColumns,
} from '../tag-rollups.js'
import type { SqliteDatabase, SqliteStatement } from './sqlite-connection.js'

/** One tag rollup table's statements. */
interface TableStatements {
  upsert: SqliteStatement
  deleteEmpty: SqliteStatement
}

/**
 * The SQLite side of the tag rollups (see tag-rollups.ts): prepared once per store, run inside
 * the writer's transaction, which holds the write lock, so the keys it reads cannot change before
 * it commits.
 */
export class SqliteTagRollups {
  readonly #keys: SqliteStatement
  readonly #hourly: TableStatements
  readonly #daily: TableStatements

  constructor(db: SqliteDatabase) {
    this.#keys = db.prepare('SELECT key, backfilled_until FROM rollup_tag_keys ORDER BY key')
    const [hourly, daily] = TAG_ROLLUP_TABLES.map(({ table, time }): TableStatements => {
      const keyColumns = tagRollupKeyColumns(time)
      const columns = [...keyColumns, ...ROLLUP_SUM_COLUMNS]
      return {
        upsert: db.prepare(
          `INSERT INTO ${table} (${columns.join(', ')}) VALUES (${columns.map(() => '?').join(', ')})
           ON CONFLICT (${keyColumns.join(', ')}) DO UPDATE SET ${rollupUpsertAssignments(table)}`,
        ),
        // A reprice can move every call out of a row: drop it, as the plain rollups do.
        deleteEmpty: db.prepare(
          `DELETE FROM ${table} WHERE ${keyColumns.map((c) => `${c} = ?`).join(' AND ')} AND calls = 0`,
        ),
      }
    })
    this.#hourly = hourly!
    this.#daily = daily!
  }

  /** The rolled-up keys (call inside the writer's transaction). */
  keys(): TagRollupKeyRow[] {
    return (this.#keys.all() as { key: string; backfilled_until: unknown }[]).map((row) => ({
      key: String(row.key),
      backfilledUntil: row.backfilled_until == null ? null : Number(row.backfilled_until),
    }))
  }

  /** Upserts the hourly and daily tag deltas (call inside the writer's transaction). */
  apply(deltas: TagRollupDeltas): void {
    if (deltas.size === 0) return
    write(this.#hourly, deltas.hourly())
    write(this.#daily, deltas.daily())
  }
}

function write(statements: TableStatements, deltas: TagRollupDelta[]): void {
  for (const delta of deltas) {
    const keyValues = tagDeltaKeyValues(delta)
    statements.upsert.run(...keyValues, ...delta.sums)
    if (delta.sums[0]! < 0n) statements.deleteEmpty.run(...keyValues)
  }
}
