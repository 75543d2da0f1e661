/**
 * The hourly rollup (`call_rollups`): one row per UTC hour x provider x model x upstream x status
 * with exact integer sums. Writers accumulate the contribution of the rows they write into a
 * `RollupDeltas`, then upsert it in the same transaction (`x = x + excluded.x`, valid on both
 * engines), so the rollup never disagrees with `calls`.
 *
 * Limits: each rollup cell is a signed 64-bit integer. A money cell overflows above
 * 9,223,372.036854775807 USD for one hour x provider x model x status (SQLite would then turn the
 * sum into a REAL, PostgreSQL would raise an error); sums over many cells are exact at any size
 * (see sql-fragments.ts).
 */
import { toInt } from './record-mapping.js'
import type { CallRow } from './record-mapping.js'

export const HOUR_MS = 3_600_000

/** The key columns of a rollup row; nullable dimensions are '' (see schema.ts). */
export interface RollupKey {
  hourTs: number
  provider: string
  model: string
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

export const ROLLUP_KEY_COLUMNS = ['hour_ts', 'provider', 'model', 'upstream', 'status'] as const

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

/** Accumulates contributions per rollup key. */
export class RollupDeltas {
  readonly #byKey = new Map<string, RollupDelta>()

  /** Adds (sign 1n) or removes (sign -1n) one call's contribution. */
  add(call: RollupSource, sign: 1n | -1n = 1n): void {
    const key: RollupKey = {
      hourTs: call.ts - (((call.ts % HOUR_MS) + HOUR_MS) % HOUR_MS),
      provider: call.provider,
      model: call.model ?? '',
      upstream: call.upstream ?? '',
      status: call.status,
    }
    const id = `${key.hourTs}\u0000${key.provider}\u0000${key.model}\u0000${key.upstream}\u0000${key.status}`
    let delta = this.#byKey.get(id)
    if (!delta) {
      delta = { key, sums: ROLLUP_SUM_COLUMNS.map(() => 0n) }
      this.#byKey.set(id, delta)
    }
    const s = delta.sums
    const reported = call.reportedCostPico !== null
    s[0]! += sign
    if (call.costPico !== null) s[1]! += sign
    if (reported) s[2]! += sign
    s[3]! += sign * BigInt(call.inputTokens)
    s[4]! += sign * BigInt(call.cacheReadTokens)
    s[5]! += sign * BigInt(call.cacheWriteTokens)
    s[6]! += sign * BigInt(call.outputTokens)
    s[7]! += sign * BigInt(call.reasoningTokens)
    s[8]! += sign * (call.costPico ?? 0n)
    s[9]! += sign * (call.cacheSavingsPico ?? 0n)
    s[10]! += sign * (call.reportedCostPico ?? 0n)
    if (reported) s[11]! += sign * (call.costPico ?? 0n)
  }

  get size(): number {
    return this.#byKey.size
  }

  /**
   * The deltas that change something, sorted by key: every writer takes rollup row locks in this
   * one order, so concurrent PostgreSQL transactions cannot deadlock on them.
   */
  sorted(): RollupDelta[] {
    return [...this.#byKey.values()]
      .filter((delta) => delta.sums.some((value) => value !== 0n))
      .sort((a, b) => compareKeys(a.key, b.key))
  }
}

function compareKeys(a: RollupKey, b: RollupKey): number {
  if (a.hourTs !== b.hourTs) return a.hourTs - b.hourTs
  for (const field of ['provider', 'model', 'upstream', 'status'] as const) {
    if (a[field] !== b[field]) return a[field] < b[field] ? -1 : 1
  }
  return 0
}

/** `INSERT ... ON CONFLICT DO UPDATE` assignments that add the excluded row's sums. */
export function rollupUpsertAssignments(): string {
  return ROLLUP_SUM_COLUMNS.map((c) => `${c} = call_rollups.${c} + excluded.${c}`).join(', ')
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
