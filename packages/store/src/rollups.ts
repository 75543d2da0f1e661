/**
 * The hourly rollup (`call_rollups`): one row per UTC hour x provider x model x unknown model x
 * priced x upstream x status with exact integer sums. Writers accumulate the contribution of the rows they write into a
 * `RollupDeltas`, then upsert it in the same transaction (`x = x + excluded.x`, valid on both
 * engines), so the rollup never disagrees with `calls`.
 *
 * Limits: each rollup cell is a signed 64-bit integer. A money cell overflows above
 * 9,223,372.036854775807 USD for one hour x provider x model x status (SQLite would then turn the
 * sum into a REAL, PostgreSQL would raise an error); sums over many cells are exact at any size
 * (see sql-fragments.ts).
 *
 * The rows answer every figure alone, with no raw-call part (migration 008): `unknown_model` is
 * the id a call without a canonical model was served (else requested) as ('' for a known
 * model), so unpriced models are named without reading their calls, and `priced` (0 for unpriced
 * calls) keeps the provider-reported cost of the calls we could not price apart: it is the
 * `reported_cost_pico` of the `priced = 0` rows. The tag rollups (tag-rollups.ts) add their tag
 * columns to this same key and use this same arithmetic.
 */
import { HOUR_MS } from '@tokenledger/pricing'
import type { CallRow } from './calls/row-from-record.js'
import { columnIndex } from './calls/call-columns.js'
import { toInt } from './calls/column-codecs.js'

export { HOUR_MS }

/** The key columns of a rollup row; nullable dimensions are '' (see schema.ts). */
export interface RollupKey {
  hourTs: number
  provider: string
  model: string
  /** For a call without a canonical model: the id served, else requested; '' otherwise. */
  unknownModel: string
  /** 1: the calls have a computed cost; 0: they are unpriced. */
  priced: 0 | 1
  upstream: string
  status: string
}

/** The summed columns of a rollup row, in the order ROLLUP_SUM_COLUMNS lists them. */
export const ROLLUP_SUM_COLUMNS = [
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
] as const

/** The key columns of `call_rollups`, in `rollupKeyValues` order (its primary key's order). */
export const ROLLUP_KEY_COLUMNS = [
  'hour_ts',
  'provider',
  'model',
  'unknown_model',
  'priced',
  'upstream',
  'status',
] as const

/** The bind values of a key, in ROLLUP_KEY_COLUMNS order (`hourTs` a day start for daily rows). */
export function rollupKeyValues(key: RollupKey): (string | number)[] {
  return [
    key.hourTs,
    key.provider,
    key.model,
    key.unknownModel,
    key.priced,
    key.upstream,
    key.status,
  ]
}

/** One id per key, for maps. */
export function rollupKeyId(key: RollupKey): string {
  return rollupKeyValues(key).join('\u0000')
}

const SERVED = columnIndex('served_model')
const REQUESTED = columnIndex('requested_model')

/** The id a call's model goes by when the pricing table does not know it: served, else requested. */
export function rawModelId(served: unknown, requested: unknown): string {
  return served === null || served === undefined ? String(requested) : String(served)
}

/** The raw model id of a row being inserted, from its column values. */
export function rawModelOfRow(row: CallRow): string {
  return rawModelId(row.values[SERVED], row.values[REQUESTED])
}

/** One pending change to one rollup row. */
export interface RollupDelta {
  key: RollupKey
  /** One bigint per ROLLUP_SUM_COLUMNS entry. */
  sums: bigint[]
}

/** The fields of a call that its rollup contribution depends on. */
export type RollupSource = Pick<
  CallRow,
  | 'ts'
  | 'provider'
  | 'model'
  | 'upstream'
  | 'status'
  | 'inputTokens'
  | 'cacheReadTokens'
  | 'cacheWriteTokens'
  | 'outputTokens'
  | 'reasoningTokens'
  | 'costPico'
  | 'cacheSavingsPico'
  | 'reportedCostPico'
>

/**
 * Counts and token sums are gathered in plain numbers while they are small, then folded into the
 * exact bigint sums: an ingest batch adds tens of thousands of calls, and a bigint conversion and
 * addition per field per call was most of the cost of a delta. A number accumulator is folded
 * before it passes 2^52, and a single addend above 2^32 goes straight to the bigint, so every
 * number sum stays an exact integer (below 2^53).
 */
const FOLD_ABOVE = 2 ** 52
const SMALL = 2 ** 32
/** ROLLUP_SUM_COLUMNS indexes 0..7 (calls, priced, reported, five token counts) are integers. */
const COUNTED = 8

interface Cell extends RollupDelta {
  /** Pending number sums of ROLLUP_SUM_COLUMNS[0..7], not yet in `sums`. */
  small: number[]
}

/** Accumulates contributions per rollup key. */
export class RollupDeltas {
  readonly #byKey = new Map<string, Cell>()

  #cell(
    hourTs: number,
    provider: string,
    model: string,
    unknownModel: string,
    priced: 0 | 1,
    upstream: string,
    status: string,
  ): Cell {
    // Built inline (not with rollupKeyId): this runs per call of every ingest batch.
    const id = `${hourTs}\u0000${provider}\u0000${model}\u0000${unknownModel}\u0000${priced}\u0000${upstream}\u0000${status}`
    let cell = this.#byKey.get(id)
    if (!cell) {
      cell = {
        key: { hourTs, provider, model, unknownModel, priced, upstream, status },
        sums: ROLLUP_SUM_COLUMNS.map(() => 0n),
        small: new Array<number>(COUNTED).fill(0),
      }
      this.#byKey.set(id, cell)
    }
    return cell
  }

  /**
   * Adds (sign 1n) or removes (sign -1n) one call's contribution. `rawModel`: the id served, else
   * requested (`rawModelOfRow`, `rawModelId`), which names the call's row when `model` is null.
   */
  add(call: RollupSource, rawModel: string, sign: 1n | -1n = 1n): void {
    const cell = this.#cell(
      call.ts - (((call.ts % HOUR_MS) + HOUR_MS) % HOUR_MS),
      call.provider,
      call.model ?? '',
      call.model === null ? rawModel : '',
      call.costPico === null ? 0 : 1,
      call.upstream ?? '',
      call.status,
    )
    const reported = call.reportedCostPico !== null
    count(cell, 0, 1, sign)
    count(cell, 1, call.costPico !== null ? 1 : 0, sign)
    count(cell, 2, reported ? 1 : 0, sign)
    count(cell, 3, call.inputTokens, sign)
    count(cell, 4, call.cacheReadTokens, sign)
    count(cell, 5, call.cacheWriteTokens, sign)
    count(cell, 6, call.outputTokens, sign)
    count(cell, 7, call.reasoningTokens, sign)
    money(cell, 8, call.costPico, sign)
    money(cell, 9, call.cacheSavingsPico, sign)
    money(cell, 10, call.reportedCostPico, sign)
    if (reported) money(cell, 11, call.costPico, sign)
  }

  /**
   * Adds contributions already summed per key (by the database, for instance), one bigint per
   * ROLLUP_SUM_COLUMNS entry.
   */
  addSums(key: RollupKey, sums: readonly bigint[]): void {
    const cell = this.#cell(
      key.hourTs,
      key.provider,
      key.model,
      key.unknownModel,
      key.priced,
      key.upstream,
      key.status,
    )
    for (let i = 0; i < ROLLUP_SUM_COLUMNS.length; i++) cell.sums[i]! += sums[i]!
  }

  get size(): number {
    return this.#byKey.size
  }

  /**
   * The deltas that change something, sorted by key: every writer takes rollup row locks in this
   * one order, so concurrent PostgreSQL transactions cannot deadlock on them.
   */
  sorted(): RollupDelta[] {
    const deltas: RollupDelta[] = []
    for (const { key, sums, small } of this.#byKey.values()) {
      for (let i = 0; i < COUNTED; i++) {
        if (small[i] !== 0) sums[i]! += BigInt(small[i]!)
        small[i] = 0
      }
      if (sums.some((value) => value !== 0n)) deltas.push({ key, sums })
    }
    return deltas.sort((a, b) => compareRollupKeys(a.key, b.key))
  }
}

/** Adds an integer count to sum `i` of a cell, exactly (see FOLD_ABOVE). */
function count(cell: Cell, i: number, value: number, sign: 1n | -1n): void {
  if (value === 0) return
  if (sign === -1n || value > SMALL) {
    cell.sums[i]! += sign * BigInt(value)
    return
  }
  const sum = cell.small[i]! + value
  if (sum > FOLD_ABOVE) {
    cell.sums[i]! += BigInt(sum)
    cell.small[i] = 0
  } else {
    cell.small[i] = sum
  }
}

/** Adds a picodollar amount (null: nothing) to sum `i` of a cell. */
function money(cell: Cell, i: number, value: bigint | null, sign: 1n | -1n): void {
  if (value !== null && value !== 0n) cell.sums[i]! += sign === 1n ? value : -value
}

/** The one order of rollup keys (the lock order), in ROLLUP_KEY_COLUMNS order. */
export function compareRollupKeys(a: RollupKey, b: RollupKey): number {
  if (a.hourTs !== b.hourTs) return a.hourTs - b.hourTs
  for (const field of [
    'provider',
    'model',
    'unknownModel',
    'priced',
    'upstream',
    'status',
  ] as const) {
    if (a[field] !== b[field]) return a[field] < b[field] ? -1 : 1
  }
  return 0
}

/** `ON CONFLICT DO UPDATE` assignments adding the excluded row's sums to `table`'s row. */
export function rollupUpsertAssignments(table: string): string {
  return ROLLUP_SUM_COLUMNS.map((c) => `${c} = ${table}.${c} + excluded.${c}`).join(', ')
}

/** The rollup-relevant fields of a stored call (money read as text). */
export function rollupSourceFromRow(row: Record<string, unknown>): RollupSource {
  const pico = (value: unknown): bigint | null =>
    value === null || value === undefined ? null : BigInt(value as string)
  return {
    ts: toInt(row['ts']),
    provider: String(row['provider']),
    model: row['model'] == null ? null : String(row['model']),
    upstream: row['upstream_provider'] == null ? null : String(row['upstream_provider']),
    status: String(row['status']) as RollupSource['status'],
    inputTokens: toInt(row['input_tokens']),
    cacheReadTokens: toInt(row['cache_read_tokens']),
    cacheWriteTokens: toInt(row['cache_write_tokens']),
    outputTokens: toInt(row['output_tokens']),
    reasoningTokens: toInt(row['reasoning_tokens']),
    costPico: pico(row['cost_pico']),
    cacheSavingsPico: pico(row['cache_savings_pico']),
    reportedCostPico: pico(row['reported_cost_pico']),
  }
}

/**
 * The SQL expression of each ROLLUP_KEY_COLUMNS entry for a row of `calls` aliased `alias`, as
 * `RollupDeltas.add` computes it (standard SQL, valid on both engines): for keys computed by the
 * database (PostgreSQL inserts, migration 008, tag-rollup backfills). Group by all of them.
 */
export function rollupKeyExpressions(
  alias: string,
): Record<(typeof ROLLUP_KEY_COLUMNS)[number], string> {
  const c = (column: string) => `${alias}.${column}`
  return {
    hour_ts: `${c('ts')} - ((${c('ts')} % ${HOUR_MS}) + ${HOUR_MS}) % ${HOUR_MS}`,
    provider: c('provider'),
    model: `COALESCE(${c('model')}, '')`,
    unknown_model: `CASE WHEN ${c('model')} IS NULL THEN COALESCE(${c('served_model')}, ${c('requested_model')}) ELSE '' END`,
    priced: `CASE WHEN ${c('cost_pico')} IS NULL THEN 0 ELSE 1 END`,
    upstream: `COALESCE(${c('upstream_provider')}, '')`,
    status: c('status'),
  }
}

/**
 * The SQL aggregate of each ROLLUP_SUM_COLUMNS entry over rows of `calls` aliased `alias`, as the
 * rollups define them (standard SQL, valid on both engines): for sums computed by the database
 * (PostgreSQL inserts, tag-rollup backfills).
 */
export function rollupSumExpressions(
  alias: string,
): Record<(typeof ROLLUP_SUM_COLUMNS)[number], string> {
  const c = (column: string) => `${alias}.${column}`
  return {
    calls: 'COUNT(*)',
    priced_calls: `COUNT(${c('cost_pico')})`,
    reported_calls: `COUNT(${c('reported_cost_pico')})`,
    input_tokens: `SUM(${c('input_tokens')})`,
    cache_read_tokens: `SUM(${c('cache_read_tokens')})`,
    cache_write_tokens: `SUM(${c('cache_write_tokens')})`,
    output_tokens: `SUM(${c('output_tokens')})`,
    reasoning_tokens: `SUM(${c('reasoning_tokens')})`,
    cost_pico: `COALESCE(SUM(${c('cost_pico')}), 0)`,
    cache_savings_pico: `COALESCE(SUM(${c('cache_savings_pico')}), 0)`,
    reported_cost_pico: `COALESCE(SUM(${c('reported_cost_pico')}), 0)`,
    computed_of_reported_pico: `COALESCE(SUM(${c('cost_pico')}) FILTER (WHERE ${c('reported_cost_pico')} IS NOT NULL), 0)`,
  }
}
