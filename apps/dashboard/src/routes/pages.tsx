/**
 * The HTML pages: `/` (overview), `/calls` (paged list), `/calls/:id` (one call in full).
 * Server-rendered with hono/jsx; the client script adds the charts and local times.
 */
import type { LedgerStore, SummaryRow } from '@tokenledger/store'
import { Hono } from 'hono'
import { breakdownFromRows } from '../data/breakdown.js'
import { callPricing } from '../data/call-pricing.js'
import { loadCalls } from '../data/calls.js'
import { loadModelProviderRows, overviewFromRows } from '../data/overview.js'
import type { ViewQuery } from '../validate-query.js'
import { CallPage } from '../views/call-page.js'
import { CallsPage } from '../views/calls-page.js'
import { Layout, documentOf } from '../views/layout.js'
import { filterParams, withQuery } from '../views/links.js'
import { OverviewPage, overviewClientData } from '../views/overview-page.js'
import { CALLS_PARAMS, checkCallId } from './calls.js'
import { readView, type RouteDeps } from './route-deps.js'
import { SERIES_PARAMS } from './series.js'

/** How many calls the overview's "latest calls" panel shows. */
export const LATEST_CALLS = 15

/**
 * The providers and models seen in the view's period, for the filter dropdowns. Only the period
 * counts (not the provider, model, tag or status filters), so another choice can always be picked
 * and the lookup is always answered from the rollups.
 */
async function facets(
  store: LedgerStore,
  view: ViewQuery,
): Promise<{ providers: string[]; models: string[] }> {
  const query = { since: view.period.since, until: view.period.until }
  return facetsOf(await store.summarize({ ...query, groupBy: ['model', 'provider'] }))
}

/** True when the view filters nothing but the period (its model x provider rows are the facets'). */
function periodOnly(view: ViewQuery): boolean {
  const { provider, model, status, tags } = view.filters
  return (
    provider === undefined &&
    model === undefined &&
    status === undefined &&
    Object.keys(tags).length === 0
  )
}

/** The providers and models of summary rows grouped by model and provider. */
function facetsOf(rows: readonly SummaryRow[]): { providers: string[]; models: string[] } {
  const providers = new Set<string>()
  const models = new Set<string>()
  for (const row of rows) {
    if (row.group['provider']) providers.add(row.group['provider'])
    if (row.group['model']) models.add(row.group['model'])
  }
  return { providers: [...providers], models: [...models] }
}

/** The page routes. */
export function pageRoutes(deps: RouteDeps): Hono {
  const { store } = deps
  return new Hono()
    .get('/', async (c) => {
      const view = readView(c, deps, SERIES_PARAMS)
      const modelProviderRows = loadModelProviderRows(store, view)
      // Unfiltered (the landing page), the table's rows already are the facets' rows: ask once.
      const [rows, latest, options] = await Promise.all([
        modelProviderRows,
        loadCalls(store, { ...view, priced: null, limit: LATEST_CALLS, offset: 0 }),
        periodOnly(view) ? modelProviderRows.then(facetsOf) : facets(store, view),
      ])
      const overview = overviewFromRows(view, rows)
      const table = breakdownFromRows('model-provider', rows)
      c.header('Cache-Control', 'no-store')
      return c.html(
        documentOf(
          <Layout
            title="Spend"
            section="overview"
            overviewHref={withQuery('/', filterParams(view))}
            callsHref={withQuery('/calls', filterParams(view))}
            clientData={overviewClientData(view)}
          >
            <OverviewPage
              view={view}
              overview={overview}
              table={table}
              latest={latest}
              {...options}
            />
          </Layout>,
        ),
      )
    })
    .get('/calls', async (c) => {
      const view = readView(c, deps, CALLS_PARAMS)
      const [page, options] = await Promise.all([loadCalls(store, view), facets(store, view)])
      c.header('Cache-Control', 'no-store')
      return c.html(
        documentOf(
          <Layout
            title="Calls"
            section="calls"
            overviewHref={withQuery('/', filterParams(view))}
            callsHref={withQuery('/calls', filterParams(view))}
            clientData={{ page: 'calls' }}
          >
            <CallsPage view={view} page={page} {...options} />
          </Layout>,
        ),
      )
    })
    .get('/calls/:id', async (c) => {
      readView(c, deps, ['token'])
      const id = checkCallId(c.req.param('id'))
      const call = await store.getCall(id)
      if (call === null) return c.notFound()
      c.header('Cache-Control', 'no-store')
      return c.html(
        documentOf(
          <Layout
            title={`Call ${call.id}`}
            section="calls"
            overviewHref="/"
            callsHref="/calls"
            clientData={{ page: 'call' }}
          >
            <CallPage call={call} pricing={callPricing(deps.pricing, call)} backHref="/calls" />
          </Layout>,
        ),
      )
    })
}
