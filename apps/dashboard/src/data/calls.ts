/**
 * Pages of calls for the calls table: one `store.listCalls`, whose query holds every filter of the
 * view (priced, search, sort included), so the list, its total and an export agree.
 */
import type { CallFilterQuery, CallRecord, LedgerStore, ListQuery } from '@tokenledger/store'
import type { ViewQuery } from '../validate-query.js'
import { ledgerQueryOf } from './ledger-query.js'

/** One page of calls and how many the view selects. */
export interface CallsPage {
  total: number
  limit: number
  offset: number
  rows: CallRecord[]
}

/** The store query for the calls a view lists (every page, no paging). */
export function callFilterQueryOf(view: ViewQuery): CallFilterQuery {
  const query: CallFilterQuery = ledgerQueryOf(view)
  if (view.priced !== null) query.priced = view.priced === 'yes'
  if (view.search !== null) query.search = view.search
  return query
}

/** Loads the page of calls a view asks for. */
export async function loadCalls(store: LedgerStore, view: ViewQuery): Promise<CallsPage> {
  const { limit, offset } = view
  const query: ListQuery = {
    ...callFilterQueryOf(view),
    limit,
    offset,
    sort: view.sort,
    order: view.order,
  }
  const page = await store.listCalls(query)
  return { total: page.total, limit, offset, rows: page.rows }
}
