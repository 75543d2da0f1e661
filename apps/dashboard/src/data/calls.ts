/**
 * Pages of calls for the calls table. `store.listCalls` serves every filter but one: "priced or
 * not", which LedgerQuery does not have. For that filter this module selects the ids of one page
 * through the store's kysely handle (same filters, same newest-first order) and loads the records
 * with `store.getCall`, so the record mapping stays the store's own.
 */
import type { CallRecord, LedgerStore } from '@tokenledger/store'
import type { ViewQuery } from '../validate-query.js'
import { ledgerQueryOf } from './ledger-query.js'

/** One page of calls and how many the view selects. */
export interface CallsPage {
  total: number
  limit: number
  offset: number
  rows: CallRecord[]
}

/** Loads the page of calls a view asks for (newest first). */
export async function loadCalls(store: LedgerStore, view: ViewQuery): Promise<CallsPage> {
  const { limit, offset } = view
  if (view.priced === null) {
    const page = await store.listCalls({ ...ledgerQueryOf(view), limit, offset })
    return { total: page.total, limit, offset, rows: page.rows }
  }
  const { since, until, provider, model, status, tags } = ledgerQueryOf(view)
  let query = store.db.selectFrom('calls')
  if (since) query = query.where('ts', '>=', since.getTime())
  if (until) query = query.where('ts', '<', until.getTime())
  if (provider !== undefined) query = query.where('provider', '=', provider)
  if (model !== undefined) query = query.where('model', '=', model)
  if (status !== undefined) query = query.where('status', '=', status)
  query = query.where('cost_pico', view.priced === 'no' ? 'is' : 'is not', null)
  for (const [key, value] of Object.entries(tags ?? {})) {
    query = query.where(({ exists, selectFrom }) =>
      exists(
        selectFrom('call_tags')
          .select('call_tags.call_id')
          .whereRef('call_tags.call_id', '=', 'calls.id')
          .where('call_tags.key', '=', key)
          .where('call_tags.value', '=', value),
      ),
    )
  }
  const [count, ids] = await Promise.all([
    query.select(({ fn }) => fn.countAll().as('n')).executeTakeFirst(),
    query
      .select('id')
      .orderBy('ts', 'desc')
      .orderBy('id', 'desc')
      .limit(limit)
      .offset(offset)
      .execute(),
  ])
  const rows: CallRecord[] = []
  for (const { id } of ids) {
    const record = await store.getCall(id)
    // A call deleted between the two reads is simply not shown; the ledger is append-only in practice.
    if (record !== null) rows.push(record)
  }
  return { total: Number(count?.n ?? 0), limit, offset, rows }
}
