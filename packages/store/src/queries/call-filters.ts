/**
 * The filters and orders that only a list of calls has (not the aggregates): priced or not, a
 * search by call id or request id, and the sort. One place, shared by `listCalls` and
 * `iterateCalls`, so a CSV export selects exactly the calls the list shows.
 */
import { TokenledgerError } from '@tokenledger/pricing'
import { sql } from 'kysely'
import type { RawBuilder } from 'kysely'
import type { CallFilterQuery, CallSort, ListQuery } from '../ledger-store.js'

/** The orders a list of calls offers. Ties are broken by time, then id, newest first. */
export const CALL_SORTS = [
  'time',
  'cost',
  'tokens',
  'latency',
] as const satisfies readonly CallSort[]

/** Longest search text: call ids are UUIDs, request ids are provider strings of a few dozen characters. */
export const MAX_SEARCH = 200

const SORT_EXPR: Record<CallSort, RawBuilder<unknown>> = {
  time: sql`calls.ts`,
  cost: sql`calls.cost_pico`,
  tokens: sql`(calls.input_tokens + calls.output_tokens)`,
  latency: sql`calls.latency_ms`,
}

/**
 * Checks the list-only fields of a query.
 * @throws TokenledgerError QUERY_INVALID naming the field
 */
export function validateCallFilters(query: ListQuery | CallFilterQuery, where: string): void {
  const fail = (field: string, problem: string): never => {
    throw new TokenledgerError('QUERY_INVALID', `${where}: ${field}: ${problem}`)
  }
  if (query.priced !== undefined && typeof query.priced !== 'boolean')
    fail('priced', `expected true, false or undefined, got ${JSON.stringify(query.priced)}`)
  if (query.search !== undefined) {
    if (typeof query.search !== 'string' || query.search === '' || query.search.length > MAX_SEARCH)
      fail('search', `expected a call id or request id of 1 to ${MAX_SEARCH} characters`)
  }
  if ('sort' in query && query.sort !== undefined && !CALL_SORTS.includes(query.sort))
    fail('sort', `expected one of ${CALL_SORTS.join(', ')}, got ${JSON.stringify(query.sort)}`)
  if (
    'order' in query &&
    query.order !== undefined &&
    query.order !== 'asc' &&
    query.order !== 'desc'
  )
    fail('order', `expected asc or desc, got ${JSON.stringify(query.order)}`)
}

/** The WHERE conditions of the list-only filters (none when absent). */
export function callFilterConditions(query: CallFilterQuery): RawBuilder<unknown>[] {
  const conditions: RawBuilder<unknown>[] = []
  if (query.priced === true) conditions.push(sql`calls.cost_pico IS NOT NULL`)
  if (query.priced === false) conditions.push(sql`calls.cost_pico IS NULL`)
  if (query.search !== undefined)
    conditions.push(sql`(calls.id = ${query.search} OR calls.request_id = ${query.search})`)
  return conditions
}

/** True when the query filters on something the hourly rollups do not hold. */
export function needsRawCount(query: CallFilterQuery): boolean {
  return query.search !== undefined
}

/**
 * ORDER BY of a page: the sort key (unknown values last, whatever the direction), then time and
 * id, so pages never overlap.
 */
export function callOrder(query: ListQuery): RawBuilder<unknown> {
  const sort = query.sort ?? 'time'
  const direction = sql.raw(query.order === 'asc' ? 'ASC' : 'DESC')
  if (sort === 'time') return sql`ORDER BY calls.ts ${direction}, calls.id ${direction}`
  return sql`ORDER BY ${SORT_EXPR[sort]} ${direction} NULLS LAST, calls.ts DESC, calls.id DESC`
}
