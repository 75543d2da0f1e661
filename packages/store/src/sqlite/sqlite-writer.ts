import { TokenledgerError } from '@tokenledger/pricing'
import { CALL_COLUMNS } from '../calls/call-columns.js'
import {
  ROLLUP_KEY_COLUMNS,
  ROLLUP_SUM_COLUMNS,
  RollupDeltas,
  rawModelId,
  rawModelOfRow,
  rollupKeyValues,
  rollupSourceFromRow,
  rollupUpsertAssignments,
} from '../rollups.js'
import type { CostRow, RowSource } from '../store-engine.js'
import { TagRollupDeltas, tagFieldsOf } from '../tag-rollups.js'
import { SqliteDailyRollups } from './sqlite-daily-rollups.js'
import { SqliteTagRollups } from './sqlite-tag-rollups.js'
import type { SqliteDatabase, SqliteStatement, SqliteTransaction } from './sqlite-connection.js'

/**
 * The SQLite write path: prepared statements (prepared once per store) run inside one
 * better-sqlite3 `BEGIN IMMEDIATE` transaction per call. Synchronous by design: better-sqlite3 is,
 * and a transaction that never yields cannot interleave with anything else on the connection.
 *
 * Per inserted call: one single-row INSERT (measured as fast as multi-row VALUES here, and its
 * `changes` says whether the id was new). Per batch: one statement that explodes the new calls'
 * stored `tags` JSON into `call_tags` inside SQLite (instead of one INSERT per tag from JS, which
 * cost more than the call itself), and one upsert per distinct rollup key, summed in memory.
 */
export class SqliteWriter {
  readonly #insertCall: SqliteStatement
  readonly #insertTag: SqliteStatement
  readonly #insertTagsOfRange: SqliteStatement
  readonly #upsertRollup: SqliteStatement
  readonly #selectForUpdate: SqliteStatement
  readonly #updateCost: SqliteStatement
  readonly #deleteEmptyRollup: SqliteStatement
  readonly #anyReservation: SqliteStatement
  readonly #releaseRange: SqliteStatement
  readonly #releaseCall: SqliteStatement
  readonly #daily: SqliteDailyRollups
  readonly #tags: SqliteTagRollups
  readonly #insertTx: SqliteTransaction<[RowSource], number>
  readonly #updateTx: SqliteTransaction<[CostRow[]], void>

  constructor(db: SqliteDatabase) {
    // One row per statement: measured faster here than multi-row VALUES or RETURNING, because
    // better-sqlite3 runs a prepared statement with little overhead and `changes` is free.
    this.#insertCall = db.prepare(
      `INSERT INTO calls (${CALL_COLUMNS.join(', ')}) VALUES (${CALL_COLUMNS.map(() => '?').join(', ')})
       ON CONFLICT (id) DO NOTHING`,
    )
    this.#insertTag = db.prepare(
      'INSERT INTO call_tags (call_id, key, value, ts) VALUES (?, ?, ?, ?)',
    )
    // The calls with rowids in [?, ?] are exactly the ones this transaction inserted (see
    // #insertAll); their tags are read back from the JSON just stored, so they cannot disagree.
    this.#insertTagsOfRange = db.prepare(
      `INSERT INTO call_tags (call_id, key, value, ts)
       SELECT c.id, t.key, t.value, c.ts FROM calls c, json_each(c.tags) t
       WHERE c.rowid BETWEEN ? AND ?`,
    )
    const rollupColumns = [...ROLLUP_KEY_COLUMNS, ...ROLLUP_SUM_COLUMNS]
    this.#upsertRollup = db.prepare(
      `INSERT INTO call_rollups (${rollupColumns.join(', ')}) VALUES (${rollupColumns.map(() => '?').join(', ')})
       ON CONFLICT (${ROLLUP_KEY_COLUMNS.join(', ')}) DO UPDATE SET ${rollupUpsertAssignments('call_rollups')}`,
    )
    this.#selectForUpdate = db.prepare(
      `SELECT ts, provider, model, upstream_provider, status, input_tokens, cache_read_tokens,
         cache_write_tokens, output_tokens, reasoning_tokens, CAST(cost_pico AS TEXT) AS cost_pico,
         CAST(cache_savings_pico AS TEXT) AS cache_savings_pico,
         CAST(reported_cost_pico AS TEXT) AS reported_cost_pico, tags, served_model, requested_model
       FROM calls WHERE id = ?`,
    )
    this.#updateCost = db.prepare(
      `UPDATE calls SET cost_pico = ?, cost_input_pico = ?, cost_cache_read_pico = ?,
         cost_cache_write_pico = ?, cost_output_pico = ?, cache_savings_pico = ?, card = ?, model = ?
       WHERE id = ?`,
    )
    this.#deleteEmptyRollup = db.prepare(
      `DELETE FROM call_rollups
       WHERE ${ROLLUP_KEY_COLUMNS.map((c) => `${c} = ?`).join(' AND ')} AND calls = 0`,
    )
    this.#anyReservation = db.prepare('SELECT 1 FROM budget_reservations LIMIT 1')
    this.#releaseRange = db.prepare(
      'DELETE FROM budget_reservations WHERE call_id IN (SELECT id FROM calls WHERE rowid BETWEEN ? AND ?)',
    )
    this.#releaseCall = db.prepare('DELETE FROM budget_reservations WHERE call_id = ?')
    this.#daily = new SqliteDailyRollups(db)
    this.#tags = new SqliteTagRollups(db)
    this.#insertTx = db.transaction((rows: RowSource) => this.#insertAll(rows))
    this.#updateTx = db.transaction((rows: CostRow[]) => this.#updateAll(rows))
  }

  /** Inserts rows in one immediate transaction; returns how many were new. */
  insert(rows: RowSource): number {
    return this.#insertTx.immediate(rows)
  }

  /** Applies cost updates in one immediate transaction. */
  updateCosts(rows: CostRow[]): void {
    this.#updateTx.immediate(rows)
  }

  #insertAll(rows: RowSource): number {
    const deltas = new RollupDeltas()
    const tagKeys = this.#tags.keys()
    const tagDeltas = new TagRollupDeltas()
    /** Indexes of the rows stored, in case their tags must be written one by one. */
    const stored: number[] = []
    let first = Infinity
    let last = -Infinity
    for (let i = 0; i < rows.length; i++) {
      const row = rows.rowAt(i)
      const result = this.#insertCall.run(row.values)
      // `changes` is 0 for an id already stored (or repeated in this batch): it adds nothing.
      if (result.changes === 0) continue
      stored.push(i)
      const rowid = Number(result.lastInsertRowid)
      if (rowid < first) first = rowid
      if (rowid > last) last = rowid
      const rawModel = rawModelOfRow(row)
      deltas.add(row, rawModel)
      if (tagKeys.length > 0) tagDeltas.add(tagKeys, row, rawModel)
    }
    if (stored.length === 0) return 0
    // The write lock is held since BEGIN IMMEDIATE, so nobody else added calls meanwhile: the new
    // rowids are consecutive, unless SQLite had to pick random ones (a table that once reached
    // rowid 2^63 - 1). Then the range could hold older calls, and tags go one by one.
    const consecutive = last - first + 1 === stored.length
    if (consecutive) {
      this.#insertTagsOfRange.run(first, last)
    } else {
      for (const i of stored) {
        const row = rows.rowAt(i)
        for (const [key, value] of Object.entries(row.tags)) {
          this.#insertTag.run(row.id, key, value, row.ts)
        }
      }
    }
    // A stored call's budget reservations end with it: its actual cost counts from now on.
    if (this.#anyReservation.get() !== undefined) {
      if (consecutive) this.#releaseRange.run(first, last)
      else for (const i of stored) this.#releaseCall.run(rows.rowAt(i).id)
    }
    this.#applyDeltas(deltas)
    this.#tags.apply(tagDeltas)
    return stored.length
  }

  #updateAll(rows: CostRow[]): void {
    const deltas = new RollupDeltas()
    const tagKeys = this.#tags.keys()
    const tagDeltas = new TagRollupDeltas()
    for (const update of rows) {
      const old = this.#selectForUpdate.get(update.id) as Record<string, unknown> | undefined
      if (!old) {
        throw new TokenledgerError(
          'STORE_UNAVAILABLE',
          `updateCosts: call ${update.id} is not in the ledger; nothing was updated`,
        )
      }
      const before = rollupSourceFromRow(old)
      const after = {
        ...before,
        model: update.model,
        costPico: update.costPico,
        cacheSavingsPico: update.cacheSavingsPico,
      }
      const rawModel = rawModelId(old['served_model'], old['requested_model'])
      deltas.add(before, rawModel, -1n)
      deltas.add(after, rawModel)
      if (tagKeys.length > 0) {
        const { tags } = tagFieldsOf(old)
        tagDeltas.add(tagKeys, { ...before, tags }, rawModel, -1n)
        tagDeltas.add(tagKeys, { ...after, tags }, rawModel)
      }
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
    this.#tags.apply(tagDeltas)
  }

  /** Upserts the deltas; returns the key values of the rows touched. */
  #applyDeltas(deltas: RollupDeltas): unknown[][] {
    const touched: unknown[][] = []
    for (const { key, sums } of deltas.sorted()) {
      const keyValues = rollupKeyValues(key)
      this.#upsertRollup.run(...keyValues, ...sums)
      touched.push(keyValues)
    }
    this.#daily.apply(deltas) // the daily rollup, from the same deltas (migration 005)
    return touched
  }
}
