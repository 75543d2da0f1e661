/**
 * What every route module gets from `createDashboardApp`, and the one way routes read a view
 * from the query string.
 */
import type { PricingTable } from '@tokenledger/pricing'
import type { LedgerStore } from '@tokenledger/store'
import type { Context } from 'hono'
import { parseViewQuery, type ParamName, type ViewQuery } from '../validate-query.js'

/** Shared dependencies of the route modules. */
export interface RouteDeps {
  store: LedgerStore
  pricing: PricingTable
  /** The clock that period presets are relative to. */
  now: () => Date
}

/**
 * Validates the request's query string against the parameters the route accepts.
 * @throws QueryError, answered with 400 by the app's error handler
 */
export function readView(c: Context, deps: RouteDeps, allow: readonly ParamName[]): ViewQuery {
  return parseViewQuery(c.req.queries() ?? {}, { allow, now: deps.now() })
}

/** Answers JSON that must not be cached (ledger data changes all the time). */
export function noStoreJson(c: Context, body: unknown): Response {
  c.header('Cache-Control', 'no-store')
  return c.json(body as object)
}
