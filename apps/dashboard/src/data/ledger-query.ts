/**
 * Translates a validated dashboard view into the store's query vocabulary.
 */
import type { LedgerQuery } from '@tokenledger/store'
import type { ViewQuery } from '../validate-query.js'

/** The store query for a view's period and filters (no grouping). */
export function ledgerQueryOf(view: ViewQuery): LedgerQuery {
  const query: LedgerQuery = { since: view.period.since, until: view.period.until }
  const { provider, model, status, tags } = view.filters
  if (provider !== undefined) query.provider = provider
  if (model !== undefined) query.model = model
  if (status !== undefined) query.status = status
  if (Object.keys(tags).length > 0) query.tags = { ...tags }
  return query
}
