/**
 * What every route module gets from `createDashboardApp`, and the one way routes read a view
 * from the query string.
 */
import type { PricingTable } from '@tokenledger/pricing'
import type { LedgerStore } from '@tokenledger/store'
import type { Context } from 'hono'
import { QueryError, parseViewQuery, type ParamName, type ViewQuery } from '../validate-query.js'
import type { FilterProblem } from '../views/filter-bar.js'

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

/**
 * For pages: validates like `readView`, but a bad parameter does not replace the page with an
 * error. It is dropped (the view falls back to its default for it) and returned as a problem, which
 * the page shows beside its filter; the page answers 400 then.
 */
export function readPageView(
  c: Context,
  deps: RouteDeps,
  allow: readonly ParamName[],
): { view: ViewQuery; problems: FilterProblem[] } {
  const queries = { ...(c.req.queries() ?? {}) }
  const problems: FilterProblem[] = []
  // Each round drops one bad parameter; there are only so many names.
  for (let round = 0; round <= Object.keys(queries).length + 1; round++) {
    try {
      return { view: parseViewQuery(queries, { allow, now: deps.now() }), problems }
    } catch (error) {
      if (!(error instanceof QueryError) || !(error.parameter in queries)) throw error
      problems.push({ parameter: error.parameter, message: error.message })
      delete queries[error.parameter]
    }
  }
  throw new Error('readPageView: could not settle the query parameters')
}

/** Answers JSON that must not be cached (ledger data changes all the time). */
export function noStoreJson(c: Context, body: unknown): Response {
  c.header('Cache-Control', 'no-store')
  return c.json(body as object)
}
