/**
 * `GET /api/budgets`: each declared budget's spent, reserved, left and reset time, at risk first.
 */
import { budgetStatus } from '@tokenledger/budget'
import { Hono } from 'hono'
import { noStoreJson, readView, type RouteDeps } from './route-deps.js'

/** The budgets API route (takes no filter: a budget has its own scope and period). */
export function budgetsRoutes(deps: RouteDeps): Hono {
  return new Hono().get('/api/budgets', async (c) => {
    readView(c, deps, ['token'])
    return noStoreJson(c, { budgets: await budgetStatus(deps.store, { now: deps.now() }) })
  })
}
