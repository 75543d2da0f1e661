/**
 * The proxy as a Hono app served by @hono/node-server: `/<upstream>/<path>` is forwarded to that
 * configured upstream over node:http (forward-call.ts), metered through `meter.exchange` (the same
 * metering and budgets as `meter.fetch`), and the provider's answer comes back unchanged: status,
 * headers, body, errors; streams chunk by chunk as they arrive. A client that disconnects aborts
 * the upstream request. The app needs @hono/node-server's environment (`incoming`, `outgoing`).
 * @module
 */
import type { IncomingMessage, ServerResponse } from 'node:http'
import { budgetDetails } from '@tokenledger/budget'
import type { Meter } from '@tokenledger/meter'
import { isTokenledgerError } from '@tokenledger/pricing'
import { Hono } from 'hono'
import { isLoopbackHostHeader, TOKEN_HEADER, tokenChecker } from './access.js'
import { forwardCall } from './forward-call.js'
import { proxyError } from './openai-error.js'
import { readBody } from './read-body.js'
import { parseTagsHeader, TAGS_HEADER } from './request-tags.js'
import { UPSTREAM_TIMEOUT, type UpstreamClient, upstreamClient } from './upstream-client.js'
import { targetUrl, type Upstream } from './upstreams.js'

/** Options of `createProxyApp`. */
export interface ProxyAppOptions {
  /** The meter every call is recorded (and budget-checked) through. */
  meter: Meter
  upstreams: ReadonlyMap<string, Upstream>
  /** Required in `x-tokenledger-token` when set; without it only loopback Host names are served. */
  token?: string
  /** Largest request body accepted, in bytes. @default 33554432 (32 MiB) */
  maxBodyBytes?: number
  /** Told about failures of the proxy itself (never with credentials). @default no-op */
  onError?: (error: unknown) => void
}

/** The proxy app, and the upstream connection pools it opened. */
export interface ProxyApp {
  app: Hono<{ Bindings: NodeBindings }>
  /** Closes the pooled upstream connections (after the server stopped). */
  closeUpstreams(): void
}

/** What @hono/node-server hands every request. */
export interface NodeBindings {
  incoming: IncomingMessage
  outgoing: ServerResponse
}

const DEFAULT_MAX_BODY = 32 * 1024 * 1024

/** One upstream's route: its pool and the meter its calls are recorded through. */
interface Route {
  client: UpstreamClient
  meter: Meter
}

/** Builds the proxy app. */
export function createProxyApp(options: ProxyAppOptions): ProxyApp {
  const maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY
  const checkToken = options.token === undefined ? null : tokenChecker(options.token)
  const onError = options.onError ?? (() => {})
  const meter = options.meter
  // Made on an upstream's first call (the table lists dozens of providers): a connection pool, and
  // a child meter with its pricing provider (wins over detection from the URL).
  const routes = new Map<string, Route>()
  const routeOf = (upstream: Upstream): Route => {
    let route = routes.get(upstream.name)
    if (!route) {
      route = {
        client: upstreamClient(upstream),
        meter:
          upstream.provider === undefined ? meter : meter.child({ provider: upstream.provider }),
      }
      routes.set(upstream.name, route)
    }
    return route
  }
  const app = new Hono<{ Bindings: NodeBindings }>()

  app.use('*', async function proxyAccess(c, next) {
    // Read from the Node request: asking Hono for a header builds a whole Web Request.
    const headers = c.env.incoming.headers
    if (checkToken === null) {
      if (!isLoopbackHostHeader(headers.host ?? null)) {
        return proxyError(
          'forbidden_host',
          'this proxy serves loopback Host names only; start it with --token to serve others',
        )
      }
    } else if (c.req.path !== '/health' && !checkToken(single(headers[TOKEN_HEADER]))) {
      return proxyError('unauthorized', `missing or wrong ${TOKEN_HEADER} header`)
    }
    return next()
  })

  app.get('/health', (c) => {
    const stats = meter.stats()
    return c.json({
      status: 'ok',
      queued: stats.queued,
      written: stats.written,
      dropped: stats.dropped,
    })
  })

  app.all('*', async function forward(c) {
    const { incoming, outgoing } = c.env
    const url = new URL(c.req.url)
    const slash = url.pathname.indexOf('/', 1)
    const name = slash === -1 ? url.pathname.slice(1) : url.pathname.slice(1, slash)
    const upstream = options.upstreams.get(name)
    if (!upstream) {
      const known = [...options.upstreams.keys()].sort().join(', ')
      return proxyError(
        'unknown_route',
        `no upstream named ${JSON.stringify(name)}; routes are /<upstream>/..., upstreams: ${known}`,
      )
    }
    const target = targetUrl(upstream, slash === -1 ? '' : url.pathname.slice(slash), url.search)
    if (target === null)
      return proxyError(
        'invalid_request',
        'the path must stay under the upstream (no dot segments or encoded slashes)',
      )
    let tags
    try {
      tags = parseTagsHeader(single(incoming.headers[TAGS_HEADER]))
    } catch (error) {
      return proxyError('invalid_tags', (error as Error).message)
    }
    const body = await readBody(incoming, maxBodyBytes)
    if (body === 'too-large')
      return proxyError('body_too_large', `request body over the limit of ${maxBodyBytes} bytes`)
    const route = routeOf(upstream)
    const method = incoming.method ?? 'GET'
    const begin = () => route.meter.exchange(target, { method, body })
    let exchange
    try {
      exchange = await (tags === undefined ? begin() : meter.runWithTags(tags, begin))
    } catch (error) {
      return errorResponse(error, upstream, false, onError)
    }
    return forwardCall({
      incoming,
      outgoing,
      client: route.client,
      method,
      path: target.slice(upstream.origin.length),
      body: exchange ? exchange.body : body,
      exchange,
      failed: (error, callerGone) => errorResponse(error, upstream, callerGone, onError),
    })
  })

  app.onError((error) => {
    onError(error)
    return proxyError('invalid_request', 'the proxy could not handle this request')
  })
  return {
    app,
    closeUpstreams() {
      for (const route of routes.values()) route.client.close()
    },
  }
}

/** A header node:http may give as a list (a repeated header): its first value, or null. */
function single(value: string | string[] | undefined): string | null {
  return value === undefined ? null : Array.isArray(value) ? (value[0] ?? null) : value
}

function errorResponse(
  error: unknown,
  upstream: Upstream,
  callerGone: boolean,
  onError: (error: unknown) => void,
): Response {
  const details = budgetDetails(error)
  if (details) {
    const headers: Record<string, string> = { 'x-should-retry': 'false' }
    if (details.resetsAt)
      headers['retry-after'] = String(
        Math.max(1, Math.ceil((Date.parse(details.resetsAt) - Date.now()) / 1000)),
      )
    return proxyError('budget_exceeded', (error as Error).message, {
      headers,
      fields: { budget: details },
    })
  }
  if (isTokenledgerError(error, 'BUDGET_EXCEEDED')) {
    return proxyError('budget_exceeded', error.message, { headers: { 'x-should-retry': 'false' } })
  }
  if (isTokenledgerError(error, 'STORE_UNAVAILABLE'))
    return proxyError('ledger_unavailable', error.message)
  if (callerGone) {
    // The caller went away: nobody reads this answer.
    return proxyError('invalid_request', 'the client closed the request')
  }
  const code = causeCode(error)
  if (code === UPSTREAM_TIMEOUT) {
    return proxyError(
      'upstream_timeout',
      `upstream ${JSON.stringify(upstream.name)} timed out (${code})`,
    )
  }
  // A system error (ECONNREFUSED, ECONNRESET...) is the upstream's; anything else is the proxy's.
  if (!hasCode(error)) onError(error)
  return proxyError(
    'upstream_unreachable',
    `upstream ${JSON.stringify(upstream.name)} is unreachable (${code})`,
    { fields: { upstream: upstream.name } },
  )
}

function hasCode(error: unknown): boolean {
  return typeof (error as { code?: unknown } | null)?.code === 'string'
}

function causeCode(error: unknown): string {
  if (hasCode(error)) return (error as { code: string }).code
  const cause = (error as { cause?: { code?: unknown } } | null)?.cause
  if (typeof cause?.code === 'string') return cause.code
  const message = (cause as { message?: unknown } | undefined)?.message
  if (typeof message === 'string' && message !== '') return message
  return error instanceof Error ? error.name : 'network_error'
}
