/**
 * `GET /api/series`: spend per hour or day, stacked by model or provider (the spend chart).
 */
import { Hono } from 'hono'
import { loadSeries } from '../data/series.js'
import { FILTER_PARAMS } from '../validate-query.js'
import { noStoreJson, readView, type RouteDeps } from './route-deps.js'

/** Parameters of the series route: the filters plus `bucket` and `stack`. */
export const SERIES_PARAMS = [...FILTER_PARAMS, 'bucket', 'stack'] as const

/** The spend-over-time API route. */
export function seriesRoutes(deps: RouteDeps): Hono {
  return new Hono().get('/api/series', async (c) => {
    const view = readView(c, deps, SERIES_PARAMS)
    return noStoreJson(c, await loadSeries(deps.store, view))
  })
}
