/**
 * The dashboard as a Hono app: pages, JSON API, CSV downloads and static assets over one ledger.
 * @module
 */
import {
  defaultPricingTable,
  isTokenledgerError,
  type PricingTable,
  TokenledgerError,
} from '@tokenledger/pricing'
import type { LedgerStore } from '@tokenledger/store'
import { Hono, type Context } from 'hono'
import { tokenAuth } from './auth.js'
import { hostCheck } from './host-check.js'
import { cachingStore } from './data/answer-cache.js'
import { breakdownRoutes } from './routes/breakdown.js'
import { callsRoutes } from './routes/calls.js'
import { csvRoutes } from './routes/csv.js'
import { exportRoutes } from './routes/export.js'
import { overviewRoutes } from './routes/overview.js'
import { pageRoutes } from './routes/pages.js'
import type { RouteDeps } from './routes/route-deps.js'
import { seriesRoutes } from './routes/series.js'
import { tagRoutes } from './routes/tags.js'
import { staticRoutes } from './static.js'
import { ErrorPage } from './views/error-page.js'
import { Layout, documentOf } from './views/layout.js'
import { jsx } from 'hono/jsx'

/** Options of `createDashboardApp`. */
export interface DashboardOptions {
  /** The ledger to show; open it read-only (`openStore(url, { readOnly: true })`). */
  store: LedgerStore
  /** When set, every request needs it (bearer header, `?token=`, or the session cookie). At least 8 characters. */
  token?: string | undefined
  /**
   * Without a token, only loopback `Host` names are answered (DNS rebinding guard); these names are
   * accepted too. Ignored when a token is set.
   */
  allowedHosts?: readonly string[] | undefined
  /** Pricing table for model names; defaults to `defaultPricingTable()`. */
  pricing?: PricingTable | undefined
  /** The clock period presets are relative to. @default () => new Date() */
  now?: (() => Date) | undefined
  /** Told about unexpected errors (answered 500 without details). @default no-op */
  onError?: ((error: unknown) => void) | undefined
  /**
   * Keep answers about whole past hours for a minute, shared by concurrent requests; false reads
   * the ledger on every request. @default true
   */
  cache?: boolean | undefined
}

const STORE_METHODS = [
  'summarize',
  'timeSeries',
  'listCalls',
  'getCall',
  'iterateCalls',
  'tagKeys',
] as const

// Scripts and styles only from this server; no inline script, no framing, nothing sent elsewhere.
const CSP =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
  "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

/**
 * Builds the dashboard app. Options are checked here, once: a bad option throws at construction.
 * @throws TokenledgerError OPTION_INVALID when `store` lacks the ledger methods, `token` is not a
 *   string of at least 8 characters without spaces, or `now` / `onError` are not functions
 * @example
 * const store = await openStore('sqlite:./tokenledger.db', { readOnly: true })
 * const app = createDashboardApp({ store, token: process.env.TOKENLEDGER_DASHBOARD_TOKEN })
 * serve({ fetch: app.fetch, hostname: '127.0.0.1', port: 8787 })
 */
export function createDashboardApp(options: DashboardOptions): Hono {
  const { store, token, onError = () => {} } = options
  if (
    store === null ||
    typeof store !== 'object' ||
    STORE_METHODS.some((m) => typeof store[m] !== 'function')
  ) {
    throw new TokenledgerError(
      'OPTION_INVALID',
      `createDashboardApp: option store: expected a LedgerStore (from openStore) with ${STORE_METHODS.join(', ')}`,
    )
  }
  if (token !== undefined && typeof token !== 'string')
    throw new TokenledgerError(
      'OPTION_INVALID',
      'createDashboardApp: option token: expected a string',
    )
  if (options.now !== undefined && typeof options.now !== 'function')
    throw new TokenledgerError(
      'OPTION_INVALID',
      'createDashboardApp: option now: expected a function returning a Date',
    )
  if (typeof onError !== 'function')
    throw new TokenledgerError(
      'OPTION_INVALID',
      'createDashboardApp: option onError: expected a function',
    )
  const now = options.now ?? (() => new Date())
  const deps: RouteDeps = {
    // Answers about past hours are shared and kept a minute (see answer-cache.ts).
    store: options.cache === false ? store : cachingStore(store, { now }),
    pricing: options.pricing ?? defaultPricingTable(),
    now,
  }

  const app = new Hono()
  app.use(async function securityHeaders(c, next) {
    await next()
    c.header('Content-Security-Policy', CSP)
    c.header('X-Content-Type-Options', 'nosniff')
    c.header('Referrer-Policy', 'no-referrer')
    c.header('X-Frame-Options', 'DENY')
  })
  // Without a token, the Host check keeps other sites' pages (DNS rebinding) out.
  if (token !== undefined) app.use(tokenAuth(token))
  else app.use(hostCheck(options.allowedHosts))
  app.route('/', staticRoutes())
  app.route('/', overviewRoutes(deps))
  app.route('/', seriesRoutes(deps))
  app.route('/', tagRoutes(deps))
  app.route('/', breakdownRoutes(deps))
  app.route('/', callsRoutes(deps))
  app.route('/', csvRoutes(deps))
  app.route('/', exportRoutes(deps))
  app.route('/', pageRoutes(deps))

  app.notFound((c) =>
    errorResponse(
      c,
      404,
      c.req.path.startsWith('/api/')
        ? `no route ${c.req.method} ${c.req.path}`
        : 'There is nothing at this address.',
    ),
  )
  app.onError((error, c) => {
    // Bad query parameters, from our validator or from the store's own checks, are the caller's mistake.
    if (isTokenledgerError(error, 'QUERY_INVALID')) return errorResponse(c, 400, error.message)
    onError(error)
    return errorResponse(c, 500, 'internal error: the ledger query failed (see the server log)')
  })
  return app
}

function errorResponse(
  c: Context,
  status: 400 | 404 | 500,
  message: string,
): Response | Promise<Response> {
  c.header('Cache-Control', 'no-store')
  if (c.req.path.startsWith('/api/') || c.req.path.startsWith('/static/'))
    return c.json({ error: message }, status)
  const page = jsx(
    Layout,
    { title: 'Error', section: 'overview', overviewHref: '/', callsHref: '/calls' },
    jsx(ErrorPage, { status, message, backHref: '/' }),
  )
  return c.html(documentOf(page), status)
}
