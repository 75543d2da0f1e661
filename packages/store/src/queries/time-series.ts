import { TokenledgerError, usdFromPico } from '@tokenledger/pricing'
import { sql } from 'kysely'
import type { Kysely } from 'kysely'
import type { SeriesQuery, SeriesRow, StoreDialect } from '../ledger-store.js'
import { toInt } from '../record-mapping.js'
import type { LedgerDatabase } from '../schema.js'
import { bucketStart, parseMoneySum } from '../sql-fragments.js'
import { chooseSource, whereClause } from './query-source.js'
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
  const from = chooseSource(dialect, { ...query, groupBy: [] }, source)
  const key = query.stackBy === 'model' ? from.model : from.provider
  const { rows } = await sql<{ b: unknown; k: string | null; cost: unknown; n: unknown }>`
    SELECT ${bucketStart(dialect, query.bucket, from.ts)} AS b, ${key} AS k,
      ${from.metrics.cost} AS cost, ${from.metrics.calls} AS n
    FROM ${from.from} ${whereClause(from, query)}
    GROUP BY 1, 2`.execute(db)
  return rows
    .map((row) => ({
      start: toInt(row.b),
      bucket: new Date(toInt(row.b)).toISOString(),
      key: row.k === null || row.k === undefined ? null : String(row.k),
      cost: usdFromPico(parseMoneySum(row.cost) ?? 0n),
      calls: toInt(row.n),
    }))
    .sort((a, b) => a.start - b.start || compareKey(a.key, b.key))
    .map(({ bucket, key: k, cost, calls }) => ({ bucket, key: k, cost, calls }))
}

function compareKey(a: string | null, b: string | null): number {
  if (a === b) return 0
  if (a === null) return 1
  if (b === null) return -1
  return a < b ? -1 : 1
}
