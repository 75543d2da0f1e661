/**
 * Where an aggregate query reads from: the raw `calls`, the hourly `call_rollups` or the daily
 * `call_rollups_daily` when that gives the same answer (no tag filter or tag group, and a range
 * aligned to whole UTC hours or days), or their tag counterparts `call_tag_rollups` and
 * `call_tag_rollups_daily` when the query's tags (filters and groups) name one tag key only and the
 * ledger rolls that key up (tag-rollups.ts).
 * Both sources expose the same named expressions, so a query is written once.
 *
 * A call's `model` dimension is its canonical model id or, when the pricing table did not know the
 * model, the id the provider served (else the one requested): unpriced models are named, never
 * lumped together. Every rollup names them too (`unknown_model`) and keeps the reported cost of
 * unpriced calls apart (`priced`), so a rollup part answers alone (rollups.ts, migration 008).
 */
import { sql } from 'kysely'
import type { Kysely, RawBuilder } from 'kysely'
import type { LedgerQuery, StoreDialect } from '../ledger-store.js'
import { DAY_MS } from '../daily-rollups.js'
import { HOUR_MS } from '../rollups.js'
import type { LedgerDatabase } from '../schema.js'
import { moneySum } from '../sql-fragments.js'
import { tagValue } from './tag-value.js'

/** Which table a query reads; 'auto' picks rollups whenever they can answer. */
export type SourceChoice = 'auto' | 'calls' | 'rollups'

/** The expressions a query may use, for one source table. */
export interface QuerySource {
  kind: 'calls' | 'rollups'
  /** The time grain of the rows: one call, one hour, one day. */
  grain: 'call' | 'hour' | 'day'
  from: RawBuilder<unknown>
  ts: RawBuilder<unknown>
  provider: RawBuilder<unknown>
  model: RawBuilder<unknown>
  upstream: RawBuilder<unknown>
  status: RawBuilder<unknown>
  /** The tag key whose rollup this is; undefined for the others. */
  tagKey?: string
  /** The condition selecting this source's rows out of its table (a tag rollup: its key's). */
  scope?: RawBuilder<unknown>
  /** The value of tag KEY per row (null: untagged); plain rollups hold no tags and throw. */
  tagValue(key: string): RawBuilder<unknown>
  /** The condition "tag KEY is VALUE". */
  tagIs(key: string, value: string): RawBuilder<unknown>
  /** Aggregates, each selected under its own name. */
  metrics: {
    calls: RawBuilder<unknown>
    inputTokens: RawBuilder<unknown>
    cacheReadTokens: RawBuilder<unknown>
    cacheWriteTokens: RawBuilder<unknown>
    outputTokens: RawBuilder<unknown>
    reasoningTokens: RawBuilder<unknown>
    cost: RawBuilder<unknown>
    reportedCost: RawBuilder<unknown>
    cacheSavings: RawBuilder<unknown>
    unpricedCalls: RawBuilder<unknown>
    errorCalls: RawBuilder<unknown>
    abortedCalls: RawBuilder<unknown>
    reportedCalls: RawBuilder<unknown>
    computedCostOfReported: RawBuilder<unknown>
    /** Provider-reported cost of the calls we could not price. */
    reportedCostOfUnpriced: RawBuilder<unknown>
    unpricedReportedCalls: RawBuilder<unknown>
  }
}

/** The tag keys a query filters or groups by, in order of first mention. */
export function tagKeysOf(query: LedgerQuery): string[] {
  const keys = new Set(Object.keys(query.tags ?? {}))
  for (const key of query.groupBy ?? []) if (key.startsWith('tag:')) keys.add(key.slice(4))
  return [...keys]
}

/**
 * The one rule for tags: which rollups may answer a query. `null`: the plain rollups (the query
 * names no tag); a key: that key's tag rollups (the query names that key only, and the ledger's
 * rollup of it is complete); `false`: only the raw calls can answer.
 */
export function rollupTagKeyFor(
  query: LedgerQuery,
  rolledUp: ReadonlySet<string> = NO_KEYS,
): string | null | false {
  const keys = tagKeysOf(query)
  if (keys.length === 0) return null
  return keys.length === 1 && rolledUp.has(keys[0]!) ? keys[0]! : false
}

const NO_KEYS: ReadonlySet<string> = new Set()

/**
 * The tag keys whose rollups are complete, read only when the query names a tag (else no query:
 * the plain views pay nothing). A key being backfilled is not among them.
 */
export async function rolledUpTagKeysFor(
  db: Kysely<LedgerDatabase>,
  query: LedgerQuery,
): Promise<ReadonlySet<string>> {
  if (tagKeysOf(query).length === 0) return NO_KEYS
  const { rows } = await sql<{ key: string }>`
    SELECT key FROM rollup_tag_keys WHERE backfilled_until IS NULL`.execute(db)
  return new Set(rows.map((row) => String(row.key)))
}

/** True when the rollups (plain, or the tag rollups of `rolledUp` keys) can answer exactly. */
export function rollupsCanAnswer(
  query: LedgerQuery,
  rolledUp: ReadonlySet<string> = NO_KEYS,
): boolean {
  const aligned = (date: Date | undefined) => date === undefined || date.getTime() % HOUR_MS === 0
  return rollupTagKeyFor(query, rolledUp) !== false && aligned(query.since) && aligned(query.until)
}

/** One piece of a query and the table that answers it. */
export interface QueryPart {
  query: LedgerQuery
  source: QuerySource
}

/** What the plan depends on besides the query. */
export interface PlanOptions {
  /** The tag keys the ledger has complete tag rollups of (`rolledUpTagKeysFor`). */
  rolledUpTagKeys?: ReadonlySet<string>
}

/**
 * Plans a query. A range that does not start and end on whole hours (the dashboard's "last 30
 * days" from now) is split: the partial hours at either end from the raw calls (at most two hours
 * of them), the partial days from the hourly rollup, and the whole days inside from the daily
 * rollup (24 times fewer rows), unless the query groups by hour. Tag filters and tag groups read
 * the tag rollups the same way when `rollupTagKeyFor` allows, else the raw calls.
 */
export function planQuery(
  dialect: StoreDialect,
  query: LedgerQuery,
  choice: SourceChoice = 'auto',
  options: PlanOptions = {},
): QueryPart[] {
  return planRange(dialect, query, choice, rollupTagKeyFor(query, options.rolledUpTagKeys))
}

/** `planQuery` with the ledger's rolled-up tag keys read first (when the query names a tag). */
export async function planLedgerQuery(
  db: Kysely<LedgerDatabase>,
  dialect: StoreDialect,
  query: LedgerQuery,
  choice: SourceChoice = 'auto',
): Promise<QueryPart[]> {
  const rolledUpTagKeys = await rolledUpTagKeysFor(db, query)
  return planQuery(dialect, query, choice, { rolledUpTagKeys })
}

/** Splits a query's range between the rollups and the raw calls (see `planQuery`). */
function planRange(
  dialect: StoreDialect,
  query: LedgerQuery,
  choice: SourceChoice,
  tagKey: string | null | false,
): QueryPart[] {
  if (choice !== 'auto' || tagKey === false) {
    return [{ query, source: chooseSource(dialect, query, choice) }]
  }
  const tag = tagKey ?? undefined
  const since = query.since?.getTime()
  const until = query.until?.getTime()
  const hourStart = since === undefined ? undefined : Math.ceil(since / HOUR_MS) * HOUR_MS
  const hourEnd = until === undefined ? undefined : Math.floor(until / HOUR_MS) * HOUR_MS
  if (hourStart !== undefined && hourEnd !== undefined && hourStart >= hourEnd) {
    return [{ query, source: callsSource(dialect) }]
  }
  const hourly = (query.groupBy ?? []).includes('hour')
  const dayStart = hourStart === undefined ? undefined : Math.ceil(hourStart / DAY_MS) * DAY_MS
  const dayEnd = hourEnd === undefined ? undefined : Math.floor(hourEnd / DAY_MS) * DAY_MS
  const days = !hourly && (dayStart === undefined || dayEnd === undefined || dayStart < dayEnd)
  // [since, hourStart) raw | [hourStart, dayStart) hours | [dayStart, dayEnd) days |
  // [dayEnd, hourEnd) hours | [hourEnd, until) raw. An open end (no since / until) belongs to
  // the coarsest piece alone; empty pieces are left out.
  const bounded = (start: number | undefined, end: number | undefined) => ({ start, end })
  const pieces: { start: number | undefined; end: number | undefined; source: QuerySource }[] = []
  if (since !== undefined)
    pieces.push({ ...bounded(since, hourStart), source: callsSource(dialect) })
  if (days) {
    if (since !== undefined)
      pieces.push({ ...bounded(hourStart, dayStart), source: rollupSource(dialect, tag) })
    pieces.push({ ...bounded(dayStart, dayEnd), source: dailyRollupSource(dialect, tag) })
    if (until !== undefined)
      pieces.push({ ...bounded(dayEnd, hourEnd), source: rollupSource(dialect, tag) })
  } else {
    pieces.push({ ...bounded(hourStart, hourEnd), source: rollupSource(dialect, tag) })
  }
  if (until !== undefined) pieces.push({ ...bounded(hourEnd, until), source: callsSource(dialect) })
  const parts: QueryPart[] = []
  for (const { start, end, source } of pieces) {
    if (start !== undefined && end !== undefined && start >= end) continue
    const part: LedgerQuery = { ...query }
    if (start === undefined) delete part.since
    else part.since = new Date(start)
    if (end === undefined) delete part.until
    else part.until = new Date(end)
    parts.push({ query: part, source })
  }
  return parts
}

/** Picks the source for a query. `rollups` is only honoured when they can answer. */
export function chooseSource(
  dialect: StoreDialect,
  query: LedgerQuery,
  choice: SourceChoice = 'auto',
  rolledUp: ReadonlySet<string> = NO_KEYS,
): QuerySource {
  return choice !== 'calls' && rollupsCanAnswer(query, rolledUp)
    ? rollupSource(dialect, rollupTagKeyFor(query, rolledUp) || undefined)
    : callsSource(dialect)
}

const ref = (column: string) => sql.ref(column)

export function callsSource(dialect: StoreDialect): QuerySource {
  const count = (condition: RawBuilder<unknown>) =>
    sql`SUM(CASE WHEN ${condition} THEN 1 ELSE 0 END)`
  return {
    kind: 'calls',
    grain: 'call',
    from: sql`calls`,
    ts: ref('calls.ts'),
    provider: ref('calls.provider'),
    // Unknown models by the id served (else requested), never lumped together (module comment).
    model: sql`COALESCE(calls.model, calls.served_model, calls.requested_model)`,
    upstream: ref('calls.upstream_provider'),
    status: ref('calls.status'),
    tagValue: (key) => tagValue(dialect, key),
    // One point lookup in call_tags' key (key, value, ts, call_id) per call of the range, which is
    // walked in ts order, so the lookups move forward through the tag index. `calls.id IN (SELECT
    // call_id ...)` instead fetched every call ever tagged so, by random id: on a 2M-call SQLite
    // ledger, a 30-day tag filter took 6-8 s that way and 0.11-0.14 s this way.
    tagIs: (key, value) =>
      sql`EXISTS (SELECT 1 FROM call_tags t WHERE t.key = ${key} AND t.value = ${value} AND t.ts = calls.ts AND t.call_id = calls.id)`,
    metrics: {
      calls: sql`COUNT(*)`,
      inputTokens: sql`SUM(calls.input_tokens)`,
      cacheReadTokens: sql`SUM(calls.cache_read_tokens)`,
      cacheWriteTokens: sql`SUM(calls.cache_write_tokens)`,
      outputTokens: sql`SUM(calls.output_tokens)`,
      reasoningTokens: sql`SUM(calls.reasoning_tokens)`,
      cost: moneySum(dialect, ref('calls.cost_pico')),
      reportedCost: moneySum(dialect, ref('calls.reported_cost_pico')),
      cacheSavings: moneySum(dialect, ref('calls.cache_savings_pico')),
      unpricedCalls: count(sql`calls.cost_pico IS NULL`),
      errorCalls: count(sql`calls.status = 'error'`),
      abortedCalls: count(sql`calls.status = 'aborted'`),
      reportedCalls: count(sql`calls.reported_cost_pico IS NOT NULL`),
      computedCostOfReported: moneySum(
        dialect,
        sql`CASE WHEN calls.reported_cost_pico IS NOT NULL THEN calls.cost_pico END`,
      ),
      reportedCostOfUnpriced: moneySum(
        dialect,
        sql`CASE WHEN calls.cost_pico IS NULL THEN calls.reported_cost_pico END`,
      ),
      unpricedReportedCalls: count(
        sql`calls.cost_pico IS NULL AND calls.reported_cost_pico IS NOT NULL`,
      ),
    },
  }
}

/** The rollup tables, by grain and by whether they are per tag value. */
const ROLLUP_TABLES = {
  hour: { plain: 'call_rollups', tag: 'call_tag_rollups', ts: 'hour_ts' },
  day: { plain: 'call_rollups_daily', tag: 'call_tag_rollups_daily', ts: 'day_ts' },
} as const

/**
 * The hourly rollup (`call_rollups`) or its daily sums (`call_rollups_daily`), as a source; with
 * `tagKey`, that key's tag rollup (its rows, one set per key, partition all calls: see
 * tag-rollups.ts), which answers exactly what the plain one does, per value of the key. Both
 * answer alone: they name unknown models and key unpriced calls apart (rollups.ts).
 */
function rollupTableSource(
  dialect: StoreDialect,
  grain: 'hour' | 'day',
  tagKey: string | undefined,
): QuerySource {
  const names = ROLLUP_TABLES[grain]
  const table = tagKey === undefined ? names.plain : names.tag
  const col = (name: string) => sql.ref(`${table}.${name}`)
  const tagOnly = (key: string) => {
    if (key !== tagKey) throw new Error(`${table} holds no tag ${JSON.stringify(key)}`)
  }
  return {
    kind: 'rollups',
    grain,
    from: sql.table(table),
    ts: col(names.ts),
    provider: col('provider'),
    // '' stands for "none" in the rollup key (schema.ts); an unknown model goes by the id served,
    // else requested (`unknown_model`), as in `calls`.
    model: sql`COALESCE(NULLIF(${col('model')}, ''), NULLIF(${col('unknown_model')}, ''))`,
    upstream: sql`NULLIF(${col('upstream')}, '')`,
    status: col('status'),
    ...(tagKey === undefined ? {} : { tagKey, scope: sql`${col('tag_key')} = ${tagKey}` }),
    tagValue: (key) => {
      tagOnly(key)
      return sql`CASE WHEN ${col('tagged')} = 1 THEN ${col('tag_value')} END`
    },
    tagIs: (key, value) => {
      tagOnly(key)
      return sql`${col('tagged')} = 1 AND ${col('tag_value')} = ${value}`
    },
    metrics: {
      calls: sql`SUM(${col('calls')})`,
      inputTokens: sql`SUM(${col('input_tokens')})`,
      cacheReadTokens: sql`SUM(${col('cache_read_tokens')})`,
      cacheWriteTokens: sql`SUM(${col('cache_write_tokens')})`,
      outputTokens: sql`SUM(${col('output_tokens')})`,
      reasoningTokens: sql`SUM(${col('reasoning_tokens')})`,
      cost: moneySum(dialect, col('cost_pico')),
      reportedCost: moneySum(
        dialect,
        sql`CASE WHEN ${col('reported_calls')} > 0 THEN ${col('reported_cost_pico')} END`,
      ),
      cacheSavings: moneySum(dialect, col('cache_savings_pico')),
      unpricedCalls: sql`SUM(${col('calls')} - ${col('priced_calls')})`,
      errorCalls: sql`SUM(CASE WHEN ${col('status')} = 'error' THEN ${col('calls')} ELSE 0 END)`,
      abortedCalls: sql`SUM(CASE WHEN ${col('status')} = 'aborted' THEN ${col('calls')} ELSE 0 END)`,
      reportedCalls: sql`SUM(${col('reported_calls')})`,
      computedCostOfReported: moneySum(dialect, col('computed_of_reported_pico')),
      // The reported cost of the unpriced (`priced` 0) rows.
      reportedCostOfUnpriced: moneySum(
        dialect,
        sql`CASE WHEN ${col('priced')} = 0 AND ${col('reported_calls')} > 0 THEN ${col('reported_cost_pico')} END`,
      ),
      unpricedReportedCalls: sql`SUM(CASE WHEN ${col('priced')} = 0 THEN ${col('reported_calls')} ELSE 0 END)`,
    },
  }
}

/** The hourly rollup as a query source (with `tagKey`: that key's hourly tag rollup). */
export function rollupSource(dialect: StoreDialect, tagKey?: string): QuerySource {
  return rollupTableSource(dialect, 'hour', tagKey)
}

/** The daily rollup (migration 005) as a query source (with `tagKey`: its tag rollup, 007). */
export function dailyRollupSource(dialect: StoreDialect, tagKey?: string): QuerySource {
  return rollupTableSource(dialect, 'day', tagKey)
}

/**
 * The WHERE clause for a query's filters on a source (empty when there is none). A tag rollup
 * source reads the rows of its key only; tag filters apply to `calls` and to the tag rollup of
 * their key, and the planner never picks another source for them.
 */
export function whereClause(
  source: QuerySource,
  query: LedgerQuery,
  extra: RawBuilder<unknown>[] = [],
): RawBuilder<unknown> {
  const conditions: RawBuilder<unknown>[] = []
  if (query.since) conditions.push(sql`${source.ts} >= ${query.since.getTime()}`)
  if (query.until) conditions.push(sql`${source.ts} < ${query.until.getTime()}`)
  if (query.provider !== undefined) conditions.push(sql`${source.provider} = ${query.provider}`)
  // Unknown models match by raw id, on every source.
  if (query.model !== undefined) conditions.push(sql`${source.model} = ${query.model}`)
  if (query.status !== undefined) conditions.push(sql`${source.status} = ${query.status}`)
  if (source.scope !== undefined) conditions.push(source.scope)
  for (const [key, value] of Object.entries(query.tags ?? {})) {
    conditions.push(source.tagIs(key, value))
  }
  conditions.push(...extra)
  return conditions.length === 0 ? sql`` : sql`WHERE ${sql.join(conditions, sql` AND `)}`
}
