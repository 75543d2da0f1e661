import { picoFromUsd, usdFromPico, type Usd } from '@tokenledger/pricing'
import { sql } from 'kysely'
import type { Kysely, RawBuilder } from 'kysely'
import type { GroupKey, LedgerQuery, StoreDialect, SummaryRow } from '../ledger-store.js'
import { toInt } from '../calls/column-codecs.js'
import type { LedgerDatabase } from '../schema.js'
import { bucketLabel, bucketStart, parseMoneySum } from '../sql-fragments.js'
import type { TimeBucket } from '../sql-fragments.js'
import { groupCost } from './group-cost.js'
import { planLedgerQuery, whereClause } from './query-source.js'
import type { QueryPart, QuerySource, SourceChoice } from './query-source.js'
import { validateQuery } from './validate-query.js'

const TIME_KEYS = new Set<string>(['hour', 'day', 'week', 'month'])

/** How one group key is selected and read back. */
interface GroupColumn {
  key: GroupKey
  expr: RawBuilder<unknown>
  /** Turns the selected value into the group label. */
  label(value: unknown): string | null
}

/** A summary row while parts are added up: money as picodollars, nulls decided at the end. */
interface PartSums {
  group: Record<string, string | null>
  calls: number
  inputTokens: number
  cacheReadTokens: number
  cacheWriteTokens: number
  outputTokens: number
  reasoningTokens: number
  cost: bigint
  reportedCost: bigint
  cacheSavings: bigint
  unpricedCalls: number
  errorCalls: number
  abortedCalls: number
  reportedCalls: number
  computedCostOfReported: bigint
  reportedCostOfUnpriced: bigint
  unpricedReportedCalls: number
}

const COUNTS = [
  'calls',
  'inputTokens',
  'cacheReadTokens',
  'cacheWriteTokens',
  'outputTokens',
  'reasoningTokens',
  'unpricedCalls',
  'errorCalls',
  'abortedCalls',
  'reportedCalls',
  'unpricedReportedCalls',
] as const
const MONEY = [
  'cost',
  'reportedCost',
  'cacheSavings',
  'computedCostOfReported',
  'reportedCostOfUnpriced',
] as const

/**
 * `LedgerStore#summarize`. Reads the hourly rollups when they can answer (see query-source.ts),
 * else the raw calls; `source` forces one (tests compare the two).
 */
export async function summarize(
  db: Kysely<LedgerDatabase>,
  dialect: StoreDialect,
  query: LedgerQuery,
  source: SourceChoice = 'auto',
): Promise<SummaryRow[]> {
  validateQuery(query, 'summarize')
  const keys = query.groupBy ?? []
  const parts = await Promise.all(
    (await planLedgerQuery(db, dialect, query, source)).map((part) =>
      summarizePart(db, dialect, part),
    ),
  )
  return sortRows(mergeSummaries(parts, keys).map(finish), keys)
}

/**
 * Adds up the answers of several disjoint pieces of one query (money exactly), in `summarize`'s
 * order; a caller that splits a range (a cache of past hours, for instance) merges with this.
 */
export function mergeSummaryRows(parts: SummaryRow[][], keys: GroupKey[]): SummaryRow[] {
  if (parts.length === 1) return parts[0]!
  return sortRows(
    mergeSummaries(
      parts.map((rows) => rows.map(sumsOf)),
      keys,
    ).map(finish),
    keys,
  )
}

function sortRows(rows: SummaryRow[], keys: GroupKey[]): SummaryRow[] {
  return rows.sort((a, b) =>
    compareGroups(
      a.group,
      b.group,
      keys.map((key) => ({ key })),
    ),
  )
}

async function summarizePart(
  db: Kysely<LedgerDatabase>,
  dialect: StoreDialect,
  part: QueryPart,
): Promise<PartSums[]> {
  const { query, source: from } = part
  const groups = (query.groupBy ?? []).map((key) => groupColumn(dialect, from, key))
  const selects = [
    ...groups.map((g, i) => sql`${g.expr} AS ${sql.ref(`g${i}`)}`),
    ...Object.entries(from.metrics).map(([name, expr]) => sql`${expr} AS ${sql.ref(name)}`),
  ]
  const groupBy =
    groups.length === 0 ? sql`` : sql`GROUP BY ${sql.join(groups.map((_, i) => sql.lit(i + 1)))}`
  const { rows } = await sql<Record<string, unknown>>`
    SELECT ${sql.join(selects)} FROM ${from.from}
    ${whereClause(from, query)} ${groupBy}`.execute(db)
  return rows.map((row) => partialRow(row, groups))
}

/** Adds up the rows of the parts of one query, group by group (money exactly). */
function mergeSummaries(parts: PartSums[][], keys: GroupKey[]): PartSums[] {
  const merged = new Map<string, PartSums>()
  for (const row of parts.flat()) {
    const id = JSON.stringify(keys.map((key) => row.group[key] ?? null))
    const into = merged.get(id)
    if (!into) {
      merged.set(id, { ...row, group: { ...row.group } })
      continue
    }
    for (const name of COUNTS) into[name] += row[name]
    for (const name of MONEY) into[name] += row[name]
  }
  // Without grouping every part returns one totals row, even when empty: keep one.
  const rows = [...merged.values()].filter((row) => keys.length === 0 || row.calls > 0)
  return keys.length === 0 && rows.length === 0 ? [partialRow({}, [])] : rows
}

/**
 * The row as the API gives it: `cost` is null when the group has calls and none was priced (never a
 * zero), `reportedCost` and `reportedCostOfUnpriced` are null when no call reported one, and `spend`
 * adds what we computed to what providers reported for the calls we could not price.
 */
function finish(row: PartSums): SummaryRow {
  const cost = groupCost(row.cost, row.calls, row.unpricedCalls)
  const reportedOfUnpriced =
    row.unpricedReportedCalls === 0 ? null : usdFromPico(row.reportedCostOfUnpriced)
  return {
    group: row.group,
    calls: row.calls,
    inputTokens: row.inputTokens,
    cacheReadTokens: row.cacheReadTokens,
    cacheWriteTokens: row.cacheWriteTokens,
    outputTokens: row.outputTokens,
    reasoningTokens: row.reasoningTokens,
    cost,
    reportedCost: row.reportedCalls === 0 ? null : usdFromPico(row.reportedCost),
    cacheSavings: usdFromPico(row.cacheSavings),
    unpricedCalls: row.unpricedCalls,
    errorCalls: row.errorCalls,
    abortedCalls: row.abortedCalls,
    reportedCalls: row.reportedCalls,
    computedCostOfReported: usdFromPico(row.computedCostOfReported),
    reportedCostOfUnpriced: reportedOfUnpriced,
    unpricedReportedCalls: row.unpricedReportedCalls,
    spend:
      cost === null && reportedOfUnpriced === null
        ? null
        : usdFromPico(row.cost + row.reportedCostOfUnpriced),
  }
}

/** The sums behind a finished row (the inverse of `finish`), to add cached answers up again. */
function sumsOf(row: SummaryRow): PartSums {
  const pico = (usd: Usd | null) => (usd === null ? 0n : picoFromUsd(usd))
  return {
    group: row.group,
    calls: row.calls,
    inputTokens: row.inputTokens,
    cacheReadTokens: row.cacheReadTokens,
    cacheWriteTokens: row.cacheWriteTokens,
    outputTokens: row.outputTokens,
    reasoningTokens: row.reasoningTokens,
    cost: pico(row.cost),
    reportedCost: pico(row.reportedCost),
    cacheSavings: pico(row.cacheSavings),
    unpricedCalls: row.unpricedCalls,
    errorCalls: row.errorCalls,
    abortedCalls: row.abortedCalls,
    reportedCalls: row.reportedCalls,
    computedCostOfReported: pico(row.computedCostOfReported),
    reportedCostOfUnpriced: pico(row.reportedCostOfUnpriced),
    unpricedReportedCalls: row.unpricedReportedCalls,
  }
}

function groupColumn(dialect: StoreDialect, source: QuerySource, key: GroupKey): GroupColumn {
  if (TIME_KEYS.has(key)) {
    const bucket = key as TimeBucket
    return {
      key,
      expr: bucketStart(dialect, bucket, source.ts),
      label: (value) => bucketLabel(bucket, toInt(value)),
    }
  }
  const text = (value: unknown) => (value === null || value === undefined ? null : String(value))
  if (key.startsWith('tag:')) return { key, expr: source.tagValue(key.slice(4)), label: text }
  const expr = {
    model: source.model,
    provider: source.provider,
    upstream: source.upstream,
    status: source.status,
  }[key as 'model' | 'provider' | 'upstream' | 'status']
  return { key, expr, label: text }
}

function partialRow(row: Record<string, unknown>, groups: GroupColumn[]): PartSums {
  const group: Record<string, string | null> = {}
  groups.forEach((g, i) => {
    group[g.key] = g.label(row[`g${i}`])
  })
  const count = (name: string) => toInt(row[name] ?? 0)
  const pico = (name: string): bigint => parseMoneySum(row[name]) ?? 0n
  return {
    group,
    calls: count('calls'),
    inputTokens: count('inputTokens'),
    cacheReadTokens: count('cacheReadTokens'),
    cacheWriteTokens: count('cacheWriteTokens'),
    outputTokens: count('outputTokens'),
    reasoningTokens: count('reasoningTokens'),
    cost: pico('cost'),
    reportedCost: pico('reportedCost'),
    cacheSavings: pico('cacheSavings'),
    unpricedCalls: count('unpricedCalls'),
    errorCalls: count('errorCalls'),
    abortedCalls: count('abortedCalls'),
    reportedCalls: count('reportedCalls'),
    computedCostOfReported: pico('computedCostOfReported'),
    reportedCostOfUnpriced: pico('reportedCostOfUnpriced'),
    unpricedReportedCalls: count('unpricedReportedCalls'),
  }
}

/**
 * Orders rows by their group values, outer key first: time labels sort chronologically as text,
 * other values by code unit (the same on both engines, unlike SQL collations), nulls last.
 */
export function compareGroups(
  a: Record<string, string | null>,
  b: Record<string, string | null>,
  groups: { key: string }[],
): number {
  for (const { key } of groups) {
    const x = a[key] ?? null
    const y = b[key] ?? null
    if (x === y) continue
    if (x === null) return 1
    if (y === null) return -1
    return x < y ? -1 : 1
  }
  return 0
}
