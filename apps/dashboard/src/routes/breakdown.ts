/**
 * `GET /api/breakdown?by=provider|model|model-provider`: spend by provider, by model, and the
 * model x provider table.
 */
import { Hono } from 'hono'
import { loadBreakdown } from '../data/breakdown.js'
import { FILTER_PARAMS } from '../validate-query.js'
import { noStoreJson, readView, type RouteDeps } from './route-deps.js'

/** Parameters of the breakdown route: the filters plus `by`. */
export const BREAKDOWN_PARAMS = [...FILTER_PARAMS, 'by'] as const

/** The breakdown API route. */
export function breakdownRoutes(deps: RouteDeps): Hono {
  return new Hono().get('/api/breakdown', async (c) => {
    const view = readView(c, deps, BREAKDOWN_PARAMS)
    return noStoreJson(c, await loadBreakdown(deps.store, view))
  })
}
