/**
 * The ledger's tables as kysely sees them. One schema for SQLite and PostgreSQL.
 *
 * Money columns are integer picodollars (1e-12 USD, BIGINT in PostgreSQL): every computed cost is a
 * whole number of them (see @tokenledger/pricing money.ts), so sums are exact in SQL. Read sums
 * back as text (`CAST(SUM(x) AS TEXT)`) or bigint, never through a JS number.
 * Timestamps are epoch milliseconds (UTC), so range filters and hour buckets are integer math.
 */
import type { ColumnType, Generated } from 'kysely'

/** A BIGINT picodollar amount: written as bigint, read back as bigint or string depending on the driver. */
export type PicoColumn = ColumnType<bigint | string | number, bigint | string, bigint | string>
export type NullablePicoColumn = ColumnType<
  bigint | string | number | null,
  bigint | string | null,
  bigint | string | null
>
export type IntColumn = ColumnType<number | bigint | string, number, number>

export interface CallsTable {
  id: string
  /** Epoch milliseconds, UTC. */
  ts: IntColumn
  provider: string
  requested_model: string
  served_model: string | null
  /** Canonical model id when the pricing table knows the model; null otherwise. */
  model: string | null
  upstream_provider: string | null
  endpoint: string
  /** 0 or 1. */
  stream: number
  status: 'ok' | 'error' | 'aborted'
  http_status: number | null
  error_type: string | null
  input_tokens: IntColumn
  cache_read_tokens: IntColumn
  cache_write_tokens: IntColumn
  cache_write_1h_tokens: IntColumn
  output_tokens: IntColumn
  reasoning_tokens: IntColumn
  /** JSON: UsageProvenance. */
  usage_provenance: string
  /** Null when unpriced. */
  cost_pico: NullablePicoColumn
  cost_input_pico: NullablePicoColumn
  cost_cache_read_pico: NullablePicoColumn
  cost_cache_write_pico: NullablePicoColumn
  cost_output_pico: NullablePicoColumn
  /** What the cache reads saved against the fresh-input rate; null when unpriced. */
  cache_savings_pico: NullablePicoColumn
  card: string | null
  reported_cost_pico: NullablePicoColumn
  latency_ms: number | null
  ttft_ms: number | null
  request_id: string | null
  service_tier: string | null
  /** JSON object of tags (also exploded into call_tags for filtering). */
  tags: string
}

/**
 * One tag of one call, keyed by (key, value, ts, call_id): a tag filter over a time range is one
 * covering range scan. To look up one call's tag, give `ts` as well as `call_id` (migration 002).
 */
export interface CallTagsTable {
  call_id: string
  key: string
  value: string
  /** The call's timestamp (epoch milliseconds, UTC), copied from `calls.ts`. */
  ts: IntColumn
}

/**
 * Hourly aggregates of `calls`, maintained in the same transaction as every insert and cost update,
 * so `summarize` and `timeSeries` read thousands of rows instead of millions. Nullable dimensions
 * are stored as '' (a unique key treats NULLs as distinct, so ON CONFLICT could not merge them).
 */
export interface CallRollupsTable {
  /** Epoch milliseconds of the start of the UTC hour. */
  hour_ts: IntColumn
  provider: string
  /** Canonical model id, '' when unknown. */
  model: string
  /** For calls without a canonical model: the id served, else requested; '' otherwise (008). */
  unknown_model: string
  /** 1: the calls have a computed cost; 0: they are unpriced (008). */
  priced: number
  /** Routed upstream, '' when none. */
  upstream: string
  status: 'ok' | 'error' | 'aborted'
  calls: IntColumn
  /** Calls with a computed cost (the rest are unpriced). */
  priced_calls: IntColumn
  /** Calls with a provider-reported cost. */
  reported_calls: IntColumn
  input_tokens: IntColumn
  cache_read_tokens: IntColumn
  cache_write_tokens: IntColumn
  output_tokens: IntColumn
  reasoning_tokens: IntColumn
  cost_pico: PicoColumn
  cache_savings_pico: PicoColumn
  reported_cost_pico: PicoColumn
  /** Our computed cost on the calls that also carry a reported cost. */
  computed_of_reported_pico: PicoColumn
}

/** `call_rollups` summed per UTC day (migration 005); same columns, keyed by `day_ts`. */
export interface CallRollupsDailyTable extends Omit<CallRollupsTable, 'hour_ts'> {
  /** Epoch milliseconds of the start of the UTC day. */
  day_ts: IntColumn
}

/** A tag key the ledger rolls up (migration 007, see tag-rollups.ts). */
export interface RollupTagKeysTable {
  key: string
  /** Calls with `ts` below this are in the tag rollups; null: all of them (the key is complete). */
  backfilled_until: IntColumn | null
  /** ISO 8601 UTC. */
  added_at: string
}

/** `call_rollups` per value of one rolled-up tag key (migration 007); calls without it: `tagged` 0. */
export interface CallTagRollupsTable extends CallRollupsTable {
  tag_key: string
  /** 1: the calls have the tag (`tag_value`); 0: they have not (`tag_value` ''). */
  tagged: number
  tag_value: string
}

/** `call_tag_rollups` summed per UTC day; keyed by `day_ts`. */
export interface CallTagRollupsDailyTable extends Omit<CallTagRollupsTable, 'hour_ts'> {
  day_ts: IntColumn
}

/** One row per applied migration (see src/migrations/). */
export interface MigrationsTable {
  version: number
  name: string
  /** ISO 8601 UTC. */
  applied_at: string
}

export interface LedgerDatabase {
  calls: CallsTable
  call_tags: CallTagsTable
  call_rollups: CallRollupsTable
  call_rollups_daily: CallRollupsDailyTable
  rollup_tag_keys: RollupTagKeysTable
  call_tag_rollups: CallTagRollupsTable
  call_tag_rollups_daily: CallTagRollupsDailyTable
  tokenledger_migrations: MigrationsTable
}

export type { Generated }
