import { TokenledgerError, picoFromUsd } from '@tokenledger/pricing'
import { sql } from 'kysely'
import type { Kysely } from 'kysely'
import type { SeriesQuery, SeriesRow, StoreDialect } from '../ledger-store.js'
import { toInt } from '../calls/column-codecs.js'
import type { LedgerDatabase } from '../schema.js'
import { bucketStart, parseMoneySum } from '../sql-fragments.js'
import { groupCost } from './group-cost.js'
import { planLedgerQuery, whereClause } from './query-source.js'
import type { SourceChoice } from './query-source.js'
import { validateQuery } from './validate-query.js'

/**
 * `LedgerStore#timeSeries`: cost and calls per bucket x model (or provider), for stacked charts.
 * Only buckets with calls appear; a chart fills the gaps.
 */
export async function timeSeries(
  db: Kysely<LedgerDatabase>,
  dialect: StoreDialect,
  query: SeriesQuery,
  source: SourceChoice = 'auto',
): Promise<SeriesRow[]> {
  validateQuery(query, 'timeSeries')
  if (query.bucket !== 'hour' && query.bucket !== 'day') {
    throw new TokenledgerError(
      'QUERY_INVALID',
      `timeSeries: bucket: expected hour or day, got ${JSON.stringify(query.bucket)}`,
    )
  }
  if (query.stackBy !== 'model' && query.stackBy !== 'provider') {
    throw new TokenledgerError(
      'QUERY_INVALID',
      `timeSeries: stackBy: expected model or provider, got ${JSON.stringify(query.stackBy)}`,
    )
  }
  const parts = await Promise.all(
    // Planned as grouped by its bucket: hour buckets must not read the daily rollup.
    (await planLedgerQuery(db, dialect, { ...query, groupBy: [query.bucket] }, source)).map(
      async ({ query: part, source: from }) => {
        const key = query.stackBy === 'model' ? from.model : from.provider
        const { rows } = await sql<{
          b: unknown
          k: string | null
          cost: unknown
          n: unknown
          u: unknown
        }>`
        SELECT ${bucketStart(dialect, query.bucket, from.ts)} AS b, ${key} AS k,
          ${from.metrics.cost} AS cost, ${from.metrics.calls} AS n, ${from.metrics.unpricedCalls} AS u
        FROM ${from.from} ${whereClause(from, part)}
        GROUP BY 1, 2`.execute(db)
        return rows
      },
    ),
  )
  // Parts of a split range can share a bucket (the partial hour and the whole hours of one day).
  const merged = new Map<
    string,
    { start: number; key: string | null; pico: bigint; calls: number; unpriced: number }
  >()
  for (const row of parts.flat()) {
    const start = toInt(row.b)
    const key = row.k === null || row.k === undefined ? null : String(row.k)
    const id = `${start}\u0000${key ?? '\u0001'}`
    const point = merged.get(id) ?? { start, key, pico: 0n, calls: 0, unpriced: 0 }
    point.pico += parseMoneySum(row.cost) ?? 0n
    point.calls += toInt(row.n)
    point.unpriced += toInt(row.u ?? 0)
    merged.set(id, point)
  }
  return [...merged.values()]
    .sort((a, b) => a.start - b.start || compareKey(a.key, b.key))
    .map((point) => ({
      bucket: new Date(point.start).toISOString(),
      key: point.key,
      cost: groupCost(point.pico, point.calls, point.unpriced),
      calls: point.calls,
      unpricedCalls: point.unpriced,
    }))
}

function compareKey(a: string | null, b: string | null): number {
  if (a === b) return 0
  if (a === null) return 1
  if (b === null) return -1
  return a < b ? -1 : 1
}

/** Adds up the series of several disjoint pieces of one query (money exactly), in order. */
export function mergeSeriesRows(parts: SeriesRow[][]): SeriesRow[] {
  const merged = new Map<
    string,
    { bucket: string; key: string | null; pico: bigint; calls: number; unpriced: number }
  >()
  for (const row of parts.flat()) {
    const id = `${row.bucket}\u0000${row.key ?? '\u0001'}`
    const point = merged.get(id) ?? {
      bucket: row.bucket,
      key: row.key,
      pico: 0n,
      calls: 0,
      unpriced: 0,
    }
    if (row.cost !== null) point.pico += picoFromUsd(row.cost)
    point.calls += row.calls
    point.unpriced += row.unpricedCalls
    merged.set(id, point)
  }
  return [...merged.values()]
    .sort((a, b) => Date.parse(a.bucket) - Date.parse(b.bucket) || compareKey(a.key, b.key))
    .map(({ bucket, key, pico, calls, unpriced }) => ({
      bucket,
      key,
      cost: groupCost(pico, calls, unpriced),
      calls,
      unpricedCalls: unpriced,
    }))
}
