/**
 * `GET /api/calls`: a page of calls, newest first (`limit`, `offset`, `priced=yes|no`), and
 * `GET /api/calls/:id`: one call record.
 */
import { Hono } from 'hono'
import { loadCalls } from '../data/calls.js'
import { FILTER_PARAMS, QueryError } from '../validate-query.js'
import { noStoreJson, readView, type RouteDeps } from './route-deps.js'

/** Parameters of the calls list: the filters plus `priced`, paging, sort and search (`q`). */
export const CALLS_PARAMS = [
  ...FILTER_PARAMS,
  'priced',
  'limit',
  'offset',
  'sort',
  'order',
  'q',
] as const

/** Call ids are UUIDs; anything printable up to 200 characters is looked up, the rest is a 400. */
export function checkCallId(id: string): string {
  if (id.length === 0 || id.length > 200 || /[\u0000-\u001f\u007f]/.test(id)) {
    throw new QueryError(
      'id',
      'expected a call id of 1 to 200 printable characters',
      'path parameter',
    )
  }
  return id
}

/** The calls API routes. */
export function callsRoutes(deps: RouteDeps): Hono {
  return new Hono()
    .get('/api/calls', async (c) => {
      const view = readView(c, deps, CALLS_PARAMS)
      return noStoreJson(c, await loadCalls(deps.store, view))
    })
    .get('/api/calls/:id', async (c) => {
      readView(c, deps, ['token'])
      const id = checkCallId(c.req.param('id'))
      const call = await deps.store.getCall(id)
      if (call === null) {
        c.header('Cache-Control', 'no-store')
        return c.json({ error: `call ${JSON.stringify(id)} not found` }, 404)
      }
      return noStoreJson(c, call)
    })
}
