/**
 * `GET /api/overview`: the figures of the overview cards for a period and filters.
 */
import { Hono } from 'hono'
import { loadOverview } from '../data/overview.js'
import { FILTER_PARAMS } from '../validate-query.js'
import { noStoreJson, readView, type RouteDeps } from './route-deps.js'

/** The overview API route. */
export function overviewRoutes(deps: RouteDeps): Hono {
  return new Hono().get('/api/overview', async (c) => {
    const view = readView(c, deps, FILTER_PARAMS)
    return noStoreJson(c, await loadOverview(deps.store, view))
  })
}
