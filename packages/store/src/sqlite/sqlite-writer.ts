import { TokenledgerError } from '@tokenledger/pricing'
import { CALL_COLUMNS } from '../record-mapping.js'
import type { CallRow } from '../record-mapping.js'
import {
  ROLLUP_KEY_COLUMNS,
  ROLLUP_SUM_COLUMNS,
  RollupDeltas,
  rollupSourceFromRow,
  rollupUpsertAssignments,
} from '../rollups.js'
import type { CostRow } from '../store-engine.js'
import type { SqliteDatabase, SqliteStatement, SqliteTransaction } from './sqlite-connection.js'

/**
 * The SQLite write path: prepared statements (prepared once per store) run inside one
 * better-sqlite3 `BEGIN IMMEDIATE` transaction per call. Synchronous by design: better-sqlite3 is,
 * and a transaction that never yields cannot interleave with anything else on the connection.
 */
export class SqliteWriter {
  readonly #db: SqliteDatabase
  readonly #insertCall: SqliteStatement
  readonly #insertTag: SqliteStatement
  readonly #upsertRollup: SqliteStatement
  readonly #selectForUpdate: SqliteStatement
  readonly #updateCost: SqliteStatement
  readonly #deleteEmptyRollup: SqliteStatement
  readonly #insertTx: SqliteTransaction<[CallRow[]], number>
  readonly #updateTx: SqliteTransaction<[CostRow[]], void>

  constructor(db: SqliteDatabase) {
    this.#db = db
    // One row per statement: measured faster here than multi-row VALUES or RETURNING, because
    // better-sqlite3 runs a prepared statement with little overhead and `changes` is free.
    this.#insertCall = db.prepare(
      `INSERT INTO calls (${CALL_COLUMNS.join(', ')}) VALUES (${CALL_COLUMNS.map(() => '?').join(', ')})
       ON CONFLICT (id) DO NOTHING`,
    )
    this.#insertTag = db.prepare('INSERT INTO call_tags (call_id, key, value) VALUES (?, ?, ?)')
    const rollupColumns = [...ROLLUP_KEY_COLUMNS, ...ROLLUP_SUM_COLUMNS]
    this.#upsertRollup = db.prepare(
      `INSERT INTO call_rollups (${rollupColumns.join(', ')}) VALUES (${rollupColumns.map(() => '?').join(', ')})
       ON CONFLICT (${ROLLUP_KEY_COLUMNS.join(', ')}) DO UPDATE SET ${rollupUpsertAssignments()}`,
    )
    this.#selectForUpdate = db.prepare(
      `SELECT ts, provider, model, upstream_provider, status, input_tokens, cache_read_tokens,
         cache_write_tokens, output_tokens, reasoning_tokens, CAST(cost_pico AS TEXT) AS cost_pico,
         CAST(cache_savings_pico AS TEXT) AS cache_savings_pico,
         CAST(reported_cost_pico AS TEXT) AS reported_cost_pico
       FROM calls WHERE id = ?`,
    )
    this.#updateCost = db.prepare(
      `UPDATE calls SET cost_pico = ?, cost_input_pico = ?, cost_cache_read_pico = ?,
         cost_cache_write_pico = ?, cost_output_pico = ?, cache_savings_pico = ?, card = ?, model = ?
       WHERE id = ?`,
    )
    this.#deleteEmptyRollup = db.prepare(
      `DELETE FROM call_rollups
       WHERE hour_ts = ? AND provider = ? AND model = ? AND upstream = ? AND status = ? AND calls = 0`,
    )
    this.#insertTx = db.transaction((rows: CallRow[]) => this.#insertAll(rows))
    this.#updateTx = db.transaction((rows: CostRow[]) => this.#updateAll(rows))
  }

  /** Inserts rows in one immediate transaction; returns how many were new. */
  insert(rows: CallRow[]): number {
    return this.#insertTx.immediate(rows)
  }

  /** Applies cost updates in one immediate transaction. */
  updateCosts(rows: CostRow[]): void {
    this.#updateTx.immediate(rows)
  }

  #insertAll(rows: CallRow[]): number {
    const deltas = new RollupDeltas()
    let inserted = 0
    for (const row of rows) {
      // `changes` is 0 for an id already stored (or repeated in this batch): it adds nothing.
      if (this.#insertCall.run(row.values).changes === 0) continue
      inserted++
      for (const [key, value] of row.tags) this.#insertTag.run(row.id, key, value)
      deltas.add(row)
    }
    this.#applyDeltas(deltas)
    return inserted
  }

  #updateAll(rows: CostRow[]): void {
    const deltas = new RollupDeltas()
    for (const update of rows) {
      const old = this.#selectForUpdate.get(update.id) as Record<string, unknown> | undefined
      if (!old) {
        throw new TokenledgerError(
          'STORE_UNAVAILABLE',
          `updateCosts: call ${update.id} is not in the ledger; nothing was updated`,
        )
      }
      const before = rollupSourceFromRow(old)
      deltas.add(before, -1n)
      deltas.add({
        ...before,
        model: update.model,
        costPico: update.costPico,
        cacheSavingsPico: update.cacheSavingsPico,
      })
      this.#updateCost.run(
        update.costPico,
        ...update.breakdownPico,
        update.cacheSavingsPico,
        update.card,
        update.model,
        update.id,
      )
    }
    const changed = this.#applyDeltas(deltas)
    for (const key of changed) this.#deleteEmptyRollup.run(key)
  }

  /** Upserts the deltas; returns the key values of the rows touched. */
  #applyDeltas(deltas: RollupDeltas): unknown[][] {
    const touched: unknown[][] = []
    for (const { key, sums } of deltas.sorted()) {
      const keyValues = [key.hourTs, key.provider, key.model, key.upstream, key.status]
      this.#upsertRollup.run(...keyValues, ...sums)
      touched.push(keyValues)
    }
    return touched
  }
}
