/**
 * `GET /api/tags?key=KEY`: spend by the values of one tag key, and over time stacked by value.
 */
import { Hono } from 'hono'
import { loadTagSpend } from '../data/tag-spend.js'
import { FILTER_PARAMS, QueryError } from '../validate-query.js'
import { noStoreJson, readView, type RouteDeps } from './route-deps.js'

/** Parameters of the tag view: the filters, the key and the bucket. */
export const TAG_PARAMS = [...FILTER_PARAMS, 'key', 'bucket'] as const

/** The tag API route. */
export function tagRoutes(deps: RouteDeps): Hono {
  return new Hono().get('/api/tags', async (c) => {
    const view = readView(c, deps, TAG_PARAMS)
    if (view.tagKey === null) throw new QueryError('key', 'expected a tag key, e.g. key=team')
    return noStoreJson(c, await loadTagSpend(deps.store, view, view.tagKey))
  })
}
