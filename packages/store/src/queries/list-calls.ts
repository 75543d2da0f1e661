import { TokenledgerError } from '@tokenledger/pricing'
import { sql } from 'kysely'
import type { Kysely, RawBuilder } from 'kysely'
import type { CallRecord } from '../call-record.js'
import type { CallFilterQuery, ListQuery, StoreDialect } from '../ledger-store.js'
import { toInt } from '../calls/column-codecs.js'
import { recordFromRow } from '../calls/record-from-row.js'
import type { StoredCallRow } from '../calls/record-from-row.js'
import type { LedgerDatabase } from '../schema.js'
import { CALL_COLUMNS_SELECT } from '../sql-fragments.js'
import {
  callFilterConditions,
  callOrder,
  needsRawCount,
  validateCallFilters,
} from './call-filters.js'
import { callsSource, planLedgerQuery, whereClause } from './query-source.js'
import type { QueryPart } from './query-source.js'
import { validateInteger, validateQuery } from './validate-query.js'

export const MAX_PAGE = 10_000

/**
 * `LedgerStore#listCalls`: one page, newest first by default (ties by time then id, so pages never
 * overlap). The total comes from the rollups when they can answer (a `priced` filter counts
 * `priced_calls` there), so paging a large ledger never counts millions of rows. The page and its
 * total are one statement (the total as a subquery SQLite and PostgreSQL compute once): one round
 * trip to a read thread or a server instead of two. A page with no rows counts on its own.
 */
export async function listCalls(
  db: Kysely<LedgerDatabase>,
  dialect: StoreDialect,
  query: ListQuery,
): Promise<{ rows: CallRecord[]; total: number }> {
  validateQuery(query, 'listCalls')
  validateCallFilters(query, 'listCalls')
  validateInteger(query.limit, 'limit', 'listCalls', 1, MAX_PAGE)
  validateInteger(query.offset, 'offset', 'listCalls', 0, Number.MAX_SAFE_INTEGER)
  const calls = callsSource(dialect)
  const extra = callFilterConditions(query)
  const counts = await countQueries(db, dialect, query)
  const total =
    counts.length === 0
      ? sql`0`
      : sql.join(
          counts.map((count) => sql`COALESCE((${count}), 0)`),
          sql` + `,
        )
  const { rows } = await sql<StoredCallRow & { listed_total: unknown }>`
    SELECT ${CALL_COLUMNS_SELECT}, ${total} AS listed_total
    FROM calls ${whereClause(calls, query, extra)}
    ${callOrder(query)} LIMIT ${query.limit} OFFSET ${query.offset}`.execute(db)
  if (rows.length === 0) return { rows: [], total: await countOf(db, counts) }
  return { rows: rows.map(recordFromRow), total: toInt(rows[0]!.listed_total) }
}

/** Runs the count statements one by one and adds them up. */
async function countOf(db: Kysely<LedgerDatabase>, counts: RawBuilder<unknown>[]): Promise<number> {
  let total = 0
  for (const count of counts) {
    const { rows } = await sql<{ n: unknown }>`${count}`.execute(db)
    total += toInt(rows[0]?.n ?? 0)
  }
  return total
}

/**
 * The statements (one per part of the plan) whose results add up to how many calls a list query
 * selects, from the rollups where they can answer.
 */
async function countQueries(
  db: Kysely<LedgerDatabase>,
  dialect: StoreDialect,
  query: CallFilterQuery,
): Promise<RawBuilder<unknown>[]> {
  const parts: QueryPart[] = needsRawCount(query)
    ? [{ query, source: callsSource(dialect) }]
    : await planLedgerQuery(db, dialect, { ...query, groupBy: [] })
  return parts.map(({ query: partQuery, source }) => {
    const rollups = source.kind === 'rollups'
    const counted =
      !rollups || query.priced === undefined
        ? source.metrics.calls
        : query.priced
          ? sql`(${source.metrics.calls} - ${source.metrics.unpricedCalls})`
          : source.metrics.unpricedCalls
    return sql`SELECT ${counted} AS n FROM ${source.from}
      ${whereClause(source, partQuery, rollups ? [] : callFilterConditions(query))}`
  })
}

/** `LedgerStore#getCall`. */
export async function getCall(db: Kysely<LedgerDatabase>, id: string): Promise<CallRecord | null> {
  if (typeof id !== 'string') {
    throw new TokenledgerError('QUERY_INVALID', `getCall: id: expected a string, got ${String(id)}`)
  }
  const { rows } = await sql<StoredCallRow>`
    SELECT ${CALL_COLUMNS_SELECT} FROM calls WHERE calls.id = ${id}`.execute(db)
  return rows[0] ? recordFromRow(rows[0]) : null
}

/**
 * `LedgerStore#iterateCalls`: oldest first, by keyset pages on (ts, id), which stay fast deep into
 * a large ledger (OFFSET would rescan every skipped row).
 */
export async function* iterateCalls(
  db: Kysely<LedgerDatabase>,
  dialect: StoreDialect,
  query: CallFilterQuery,
  batchSize = 1000,
): AsyncGenerator<CallRecord[]> {
  validateQuery(query, 'iterateCalls')
  validateCallFilters(query, 'iterateCalls')
  const filters = callFilterConditions(query)
  validateInteger(batchSize, 'batchSize', 'iterateCalls', 1, 100_000)
  const calls = callsSource(dialect)
  let after: { ts: number; id: string } | null = null
  for (;;) {
    const position: RawBuilder<unknown>[] =
      after === null
        ? []
        : [sql`(calls.ts > ${after.ts} OR (calls.ts = ${after.ts} AND calls.id > ${after.id}))`]
    const { rows }: { rows: StoredCallRow[] } = await sql<StoredCallRow>`
      SELECT ${CALL_COLUMNS_SELECT} FROM calls ${whereClause(calls, query, [...filters, ...position])}
      ORDER BY calls.ts, calls.id LIMIT ${batchSize}`.execute(db)
    if (rows.length === 0) return
    const records = rows.map(recordFromRow)
    yield records
    const last: StoredCallRow = rows[rows.length - 1]!
    after = { ts: toInt(last.ts), id: String(last.id) }
    if (rows.length < batchSize) return
  }
}
