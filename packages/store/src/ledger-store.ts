/**
 * The ledger contract: what every engine (SQLite, PostgreSQL) offers. The engines live in
 * `sqlite/` and `postgres/`; callers only ever see this interface, obtained from `openStore()`.
 * @module
 */
import type { Usd } from '@tokenledger/pricing'
import type { Kysely } from 'kysely'
import type { CallRecord, CallStatus } from './call-record.js'
import type { LedgerDatabase } from './schema.js'

/** The SQL engine behind a store. */
export type StoreDialect = 'sqlite' | 'postgres'

/**
 * A way to group ledger rows. Time buckets are UTC and labelled by their start:
 * `hour` as a full ISO instant (`2026-05-01T13:00:00.000Z`), `day` and `week` (weeks start on
 * Monday) as `2026-05-01`, `month` as `2026-05`. `model` is the canonical model id (for a model the
 * pricing table did not know, the id served, else the one requested), `upstream` the routed upstream (null when not routed),
 * `tag:KEY` the value of that tag (null when the call has no such tag).
 */
export type GroupKey =
  'hour' | 'day' | 'week' | 'month' | 'model' | 'provider' | 'upstream' | 'status' | `tag:${string}`

/** The group keys that are not tags, in the order they are documented. */
export const PLAIN_GROUP_KEYS = [
  'hour',
  'day',
  'week',
  'month',
  'model',
  'provider',
  'upstream',
  'status',
] as const

/** Which calls a query looks at, and how to group them. Every filter is optional. */
export interface LedgerQuery {
  /** Inclusive start. */
  since?: Date
  /** Exclusive end. */
  until?: Date
  provider?: string
  /** Canonical model id (the `model` field of a CallRecord). */
  model?: string
  status?: CallStatus
  /** Every listed tag must match exactly. */
  tags?: Record<string, string>
  /** For `summarize`: the grouping, outer first. Empty or absent: one row of totals. */
  groupBy?: GroupKey[]
}

/**
 * One group of `summarize`. Token counts are plain numbers (exact below 2^53); money is exact.
 * `cost` sums the priced calls only: `unpricedCalls` says how many calls it leaves out, and
 * `reportedCostOfUnpriced` what providers reported for those they priced themselves.
 */
export interface SummaryRow {
  /**
   * The group's value for each GroupKey asked for (null: no upstream, no such tag). `model` is the
   * canonical id, or for a model the pricing table does not know the id served (else requested).
   */
  group: Record<string, string | null>
  calls: number
  inputTokens: number
  cacheReadTokens: number
  cacheWriteTokens: number
  outputTokens: number
  reasoningTokens: number
  /**
   * Sum of the computed cost of the priced calls; null when the group has calls and none of them
   * could be priced (unknown, never $0). "0" for a group without calls (the empty totals row).
   */
  cost: Usd | null
  /** Sum of the provider-reported costs; null when no call in the group reported one. */
  reportedCost: Usd | null
  cacheSavings: Usd
  unpricedCalls: number
  errorCalls: number
  abortedCalls: number
  /** Calls that carry a provider-reported cost. */
  reportedCalls: number
  /** Our computed cost on the calls that have a reported cost, to compare with `reportedCost`. */
  computedCostOfReported: Usd
  /** Provider-reported cost of the calls we could not price; null when none of them reported one. */
  reportedCostOfUnpriced: Usd | null
  /** Unpriced calls that carry a provider-reported cost. */
  unpricedReportedCalls: number
  /**
   * The best known spend: `cost` plus `reportedCostOfUnpriced`; null when neither is known. Unpriced
   * calls without a reported cost are still left out (`unpricedCalls - unpricedReportedCalls`).
   */
  spend: Usd | null
}

/** One point of a stacked time series: one bucket x one model or provider. */
export interface SeriesRow {
  /** ISO start of the bucket, UTC, e.g. `2026-05-01T00:00:00.000Z`. */
  bucket: string
  /** The model (as in SummaryRow: unknown models by their raw id) or provider. */
  key: string | null
  /** Cost of the priced calls in the bucket; null when none of its calls could be priced. */
  cost: Usd | null
  calls: number
  /** Calls of the point that could not be priced (left out of `cost`). */
  unpricedCalls: number
}

/** Options of `timeSeries`. */
export interface SeriesQuery extends LedgerQuery {
  bucket: 'hour' | 'day'
  stackBy: 'model' | 'provider'
}

/** Filters that only lists of calls have (`listCalls`, `iterateCalls`), on top of LedgerQuery's. */
export interface CallFilterQuery extends LedgerQuery {
  /** true: only calls with a computed cost; false: only unpriced calls. */
  priced?: boolean
  /** Only the call with this id, or the calls with this provider request id. */
  search?: string
}

/** What a list of calls can be ordered by (`latency`: total latency in ms). */
export type CallSort = 'time' | 'cost' | 'tokens' | 'latency'

/** Options of `listCalls`: newest first unless `sort` / `order` say otherwise. */
export interface ListQuery extends CallFilterQuery {
  /** 1..10,000. */
  limit: number
  offset: number
  /** @default 'time' */
  sort?: CallSort
  /** @default 'desc' (calls with no value for the sort key come last either way) */
  order?: 'asc' | 'desc'
}

/** A new price for one stored call (from `tokenledger reprice`). Usage and reported cost stay. */
export interface CostUpdate {
  id: string
  cost: Usd | null
  costBreakdown: { input: Usd; cacheRead: Usd; cacheWrite: Usd; output: Usd } | null
  cacheSavings: Usd | null
  card: string | null
  /** Canonical model id; reprice may learn it for calls that were unpriced. */
  model: string | null
}

/** One tag key the ledger rolls up (`LedgerStore#tagRollupKeys`). */
export interface TagRollupKey {
  key: string
  /** True once every stored call is in its rollups; queries use the key from then on. */
  complete: boolean
  /** While a backfill is under way: the calls before this instant (ISO, UTC) are in; else null. */
  backfilledUntil: string | null
}

/** Told after each chunk of a tag-rollup backfill. */
export interface TagRollupProgress {
  key: string
  /** Calls added to the key's rollups so far by this backfill. */
  calls: number
  /** Calls the backfill had to add when it started (more may arrive while it runs). */
  total: number
  complete: boolean
}

/** Options of `LedgerStore#setTagRollupKeys`. */
export interface SetTagRollupKeysOptions {
  /** Told after each backfill chunk (one write transaction each). */
  onProgress?: ((progress: TagRollupProgress) => void) | undefined
  /** Calls per backfill transaction. @default 100000 */
  chunkCalls?: number | undefined
}

/** Options of `openStore`. */
export interface OpenStoreOptions {
  /**
   * Open without write access and without migrating. Fails when the ledger does not exist, has no
   * tokenledger schema, or has a schema older or newer than this version understands.
   * @default false
   */
  readOnly?: boolean
  /**
   * SQLite only: how long a writer waits for another process's write lock before failing.
   * @default 10000
   */
  busyTimeoutMs?: number
  /**
   * PostgreSQL only: how long connecting and each statement may take, in ms. The server cancels
   * a slower statement; a connection that does not answer even then (a network partition) is
   * destroyed, so no write or query can hang.
   * @default 30000
   */
  postgresTimeoutMs?: number
  /**
   * SQLite only: where inserts run. `'worker'`: on a worker thread that owns its own connection,
   * so lock waits and disk stalls never block the caller's event loop (the meter opens its ledgers
   * this way); `'caller'`: synchronously on the caller's thread, cheapest for bulk loads.
   * @default 'caller'
   */
  writeThread?: 'caller' | 'worker'
  /**
   * SQLite, read-only only: where queries run. `'worker'`: on two worker threads, each with its
   * own read-only connection, so a slow query (a long tag-filtered period, say) never blocks the
   * caller's event loop and a second query runs beside it (the dashboard opens its ledger this
   * way); `'caller'`: synchronously on the caller's thread, cheapest for one-shot commands.
   * `'worker'` without `readOnly: true` is an OPTION_INVALID error. PostgreSQL ignores it (its
   * driver never blocks).
   * @default 'caller'
   */
  readThread?: 'caller' | 'worker'
}

/**
 * The ledger. Obtain one with `openStore()`, close it with `close()`.
 *
 * Writes are atomic: `insert` and `updateCosts` each run in one transaction, and keep the hourly
 * rollups (which `summarize` and `timeSeries` read when they can) consistent with the raw calls.
 */
export interface LedgerStore {
  readonly dialect: StoreDialect
  /** True when opened with `{ readOnly: true }`: writes throw STORE_UNAVAILABLE. */
  readonly readOnly: boolean
  /**
   * Stores calls in one transaction. Idempotent on `id`: a call whose id is already stored is
   * skipped (the first write wins), so a retried batch never counts twice. The records are read
   * until the promise settles (a big batch over several turns of the event loop): do not change
   * them before.
   * @throws TokenledgerError RECORD_INVALID for a record that cannot be stored (the message names
   *   the record and field); USAGE_INVALID for a usage that breaks the subset rules;
   *   STORE_UNAVAILABLE for a ledger that cannot be written.
   */
  insert(records: CallRecord[]): Promise<void>
  /**
   * SQLite only (undefined on PostgreSQL): `insert` done synchronously, for a process's `exit`
   * handler, where nothing asynchronous runs any more. Throws as `insert` does.
   */
  readonly insertSync?: (records: CallRecord[]) => void
  /**
   * Aggregates over the calls the query selects, grouped by `groupBy`. Rows are ordered by their
   * group values (code-unit order, nulls last), so both engines return the same order. Whole
   * hours are read from the hourly rollups (any range: the partial hours at its ends come from
   * the raw calls); tag filters and tag groups read the raw calls.
   * @throws TokenledgerError QUERY_INVALID for a bad filter or group key.
   */
  summarize(query: LedgerQuery): Promise<SummaryRow[]>
  /**
   * Cost (of the priced calls) and calls per time bucket and model or provider, ordered by bucket
   * then key. Empty buckets are absent. Reads the rollups as `summarize` does.
   */
  timeSeries(query: SeriesQuery): Promise<SeriesRow[]>
  /**
   * One page of calls (newest first, or by `sort`) and the number of calls the query selects.
   * The total comes from the rollups when they can answer (the `priced` filter included).
   */
  listCalls(query: ListQuery): Promise<{ rows: CallRecord[]; total: number }>
  /** The distinct tag keys in the ledger (at most 200), in code-unit order. */
  tagKeys(): Promise<string[]>
  /**
   * The tag keys the ledger keeps hourly and daily rollups of (a ledger setting, empty unless
   * set), in code-unit order. A tag filter or group naming one such key, and no other tag key,
   * reads them instead of the raw calls once the key is `complete`.
   */
  tagRollupKeys(): Promise<TagRollupKey[]>
  /**
   * Makes `keys` the rolled-up tag keys (replacing the list): the rollups of a key left out are
   * dropped, a new key is backfilled from the stored calls in chunks (one write transaction each,
   * so writers never wait long; `onProgress` is told after each). Interrupted, the backfill resumes
   * on the next call. Every later write keeps the rollups of these keys in its transaction.
   * @throws TokenledgerError QUERY_INVALID for a bad list (empty or repeated key, more than 16);
   *   STORE_UNAVAILABLE when the store is read-only.
   */
  setTagRollupKeys(keys: string[], options?: SetTagRollupKeysOptions): Promise<TagRollupKey[]>
  /** One call by id, or null. */
  getCall(id: string): Promise<CallRecord | null>
  /**
   * Every call the query selects, oldest first, in batches of `batchSize` (default 1000). Pages by
   * (timestamp, id), so calls inserted meanwhile never make it skip or repeat a stored call.
   */
  iterateCalls(query: CallFilterQuery, batchSize?: number): AsyncIterable<CallRecord[]>
  /**
   * Replaces the computed cost, card and canonical model of stored calls, in one transaction, and
   * moves their contribution in the rollups (subtract old, add new).
   * @throws TokenledgerError STORE_UNAVAILABLE when a call id is not stored (nothing is written).
   */
  updateCosts(updates: CostUpdate[]): Promise<void>
  /** Closes the connection(s). The store cannot be used afterwards. */
  close(): Promise<void>
  /** Escape hatch for bespoke queries. Money columns are BIGINT picodollars: read them as text. */
  readonly db: Kysely<LedgerDatabase>
}
