/**
 * The HTML pages: `/` (overview), `/calls` (paged list), `/calls/:id` (one call in full), `/tags`
 * (spend by the values of a tag key). Server-rendered with hono/jsx; the client script adds the
 * charts and local times. A bad filter in the URL is shown beside its field while the page shows
 * the rest of the view (answered 400).
 */
import type { LedgerStore, SummaryRow } from '@tokenledger/store'
import { budgetStatus } from '@tokenledger/budget'
import { Hono, type Context } from 'hono'
import { colorsFor } from '../colors.js'
import { breakdownFromRows } from '../data/breakdown.js'
import { callPricing } from '../data/call-pricing.js'
import { loadCalls } from '../data/calls.js'
import { loadModelProviderRows, overviewFromRows } from '../data/overview.js'
import { loadTagSpend } from '../data/tag-spend.js'
import type { ParamName, ViewQuery } from '../validate-query.js'
import { CallPage } from '../views/call-page.js'
import { CallsPage } from '../views/calls-page.js'
import type { FilterProblem } from '../views/filter-bar.js'
import { Layout, documentOf } from '../views/layout.js'
import { filterParams, withQuery } from '../views/links.js'
import { OverviewPage, overviewClientData } from '../views/overview-page.js'
import { TagsPage } from '../views/tags-page.js'
import { CALLS_PARAMS, checkCallId } from './calls.js'
import { readPageView, readView, type RouteDeps } from './route-deps.js'
import { SERIES_PARAMS } from './series.js'
import { TAG_PARAMS } from './tags.js'

/** How many calls the overview's "latest calls" panel shows. */
export const LATEST_CALLS = 15

/** Parameters only pages take (the client reloads the page on that schedule). */
const PAGE_ONLY = ['refresh'] as const satisfies readonly ParamName[]

/** The providers and models of a set of summary rows grouped by model and provider. */
function facetsOf(rows: readonly SummaryRow[]): { providers: string[]; models: string[] } {
  const providers = new Set<string>()
  const models = new Set<string>()
  for (const row of rows) {
    if (row.group['provider']) providers.add(row.group['provider'])
    if (row.group['model']) models.add(row.group['model'])
  }
  return { providers: [...providers], models: [...models] }
}

/**
 * The providers and models seen in the view's period, for the filter dropdowns and the colours.
 * Only the period counts (not the other filters), so another choice can always be picked, and a
 * model keeps its colour whatever is filtered.
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

/** The colours of the models and providers of a period (see colors.ts). */
export function facetColors(options: { providers: string[]; models: string[] }) {
  return { model: colorsFor(options.models), provider: colorsFor(options.providers) }
}

/** Links of the top bar, keeping the view's filters. */
function navLinks(view: ViewQuery) {
  const filters = filterParams(view)
  return {
    overviewHref: withQuery('/', filters),
    callsHref: withQuery('/calls', filters),
    tagsHref: withQuery(
      '/tags',
      view.tagKey === null ? filters : new URLSearchParams([...filters, ['key', view.tagKey]]),
    ),
  }
}

function respond(c: Context, problems: FilterProblem[], page: ReturnType<typeof documentOf>) {
  c.header('Cache-Control', 'no-store')
  return c.html(page, problems.length > 0 ? 400 : 200)
}

/** The page routes. */
export function pageRoutes(deps: RouteDeps): Hono {
  const { store } = deps
  return new Hono()
    .get('/', async (c) => {
      const { view, problems } = readPageView(c, deps, [...SERIES_PARAMS, ...PAGE_ONLY])
      const modelProviderRows = loadModelProviderRows(store, view)
      // Unfiltered (the landing page), the table's rows already are the facets' rows: ask once.
      const [rows, latest, options, budgets] = await Promise.all([
        modelProviderRows,
        loadCalls(store, {
          ...view,
          priced: null,
          search: null,
          sort: 'time',
          order: 'desc',
          limit: LATEST_CALLS,
          offset: 0,
        }),
        periodOnly(view) ? modelProviderRows.then(facetsOf) : facets(store, view),
        // A ledger whose budgets cannot be read still shows its spend; the panel says why.
        budgetStatus(store, { now: deps.now() }).catch((error: unknown) => ({
          error: error instanceof Error ? error.message : String(error),
        })),
      ])
      const overview = overviewFromRows(view, rows)
      const table = breakdownFromRows('model-provider', rows)
      // An empty period of an empty ledger: say how to meter a first call.
      const emptyLedger =
        overview.calls === 0 && (await store.listCalls({ limit: 1, offset: 0 })).total === 0
      const colors = facetColors(options)
      return respond(
        c,
        problems,
        documentOf(
          <Layout
            title="Spend"
            section="overview"
            {...navLinks(view)}
            clientData={{ ...overviewClientData(view), colors, refresh: view.refresh }}
          >
            <OverviewPage
              view={view}
              overview={overview}
              table={table}
              latest={latest}
              problems={problems}
              emptyLedger={emptyLedger}
              colors={colors}
              budgets={budgets}
              {...options}
            />
          </Layout>,
        ),
      )
    })
    .get('/calls', async (c) => {
      const { view, problems } = readPageView(c, deps, [...CALLS_PARAMS, ...PAGE_ONLY])
      const [page, options] = await Promise.all([loadCalls(store, view), facets(store, view)])
      return respond(
        c,
        problems,
        documentOf(
          <Layout
            title="Calls"
            section="calls"
            {...navLinks(view)}
            clientData={{ page: 'calls', refresh: view.refresh }}
          >
            <CallsPage view={view} page={page} problems={problems} {...options} />
          </Layout>,
        ),
      )
    })
    .get('/tags', async (c) => {
      const { view, problems } = readPageView(c, deps, [...TAG_PARAMS, ...PAGE_ONLY])
      const [keys, options, spend] = await Promise.all([
        store.tagKeys(),
        facets(store, view),
        view.tagKey === null ? null : loadTagSpend(store, view, view.tagKey),
      ])
      const colors = colorsFor(
        (spend?.values ?? []).flatMap((row) => (row.value === null ? [] : [row.value])),
      )
      const api = new URLSearchParams([...filterParams(view), ['bucket', view.bucket]])
      if (view.tagKey !== null) api.set('key', view.tagKey)
      return respond(
        c,
        problems,
        documentOf(
          <Layout
            title="Spend by tag"
            section="tags"
            {...navLinks(view)}
            clientData={{
              page: 'tags',
              refresh: view.refresh,
              api: view.tagKey === null ? null : { tags: withQuery('/api/tags', api) },
              colors,
            }}
          >
            <TagsPage
              view={view}
              keys={
                view.tagKey !== null && !keys.includes(view.tagKey) ? [...keys, view.tagKey] : keys
              }
              spend={spend}
              colors={colors}
              problems={problems}
              {...options}
            />
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
