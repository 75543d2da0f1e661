/**
 * The proxy as a Hono app: `/<upstream>/<path>` is forwarded to that configured upstream through
 * the meter's own metered fetch (one implementation of metering and budgets: `meter.fetch`), and
 * the provider's answer comes back unchanged: status, headers, body, errors; streams chunk by
 * chunk as they arrive. A client that disconnects aborts the upstream request.
 * @module
 */
import type { IncomingMessage } from 'node:http'
import { budgetDetails } from '@tokenledger/budget'
import type { Meter } from '@tokenledger/meter'
import { isTokenledgerError } from '@tokenledger/pricing'
import { Hono } from 'hono'
import { isLoopbackHostHeader, TOKEN_HEADER, tokenChecker } from './access.js'
import { callerHeaders, upstreamHeaders } from './forward-headers.js'
import { proxyError } from './openai-error.js'
import { readBody } from './read-body.js'
import { parseTagsHeader, TAGS_HEADER } from './request-tags.js'
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

const DEFAULT_MAX_BODY = 32 * 1024 * 1024

/** Builds the proxy app. */
export function createProxyApp(options: ProxyAppOptions): Hono {
  const maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY
  const checkToken = options.token === undefined ? null : tokenChecker(options.token)
  const onError = options.onError ?? (() => {})
  // One metered fetch per upstream, with its pricing provider (wins over detection from the URL).
  const fetchers = new Map<string, Meter['fetch']>()
  for (const upstream of options.upstreams.values()) {
    fetchers.set(
      upstream.name,
      upstream.provider === undefined
        ? options.meter.fetch
        : options.meter.child({ provider: upstream.provider }).fetch,
    )
  }
  const meter = options.meter
  const app = new Hono()

  app.use('*', async function proxyAccess(c, next) {
    if (checkToken === null) {
      if (!isLoopbackHostHeader(c.req.header('host') ?? null)) {
        return proxyError(
          'forbidden_host',
          'this proxy serves loopback Host names only; start it with --token to serve others',
        )
      }
    } else if (c.req.path !== '/health' && !checkToken(c.req.header(TOKEN_HEADER) ?? null)) {
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
      tags = parseTagsHeader(c.req.header(TAGS_HEADER) ?? null)
    } catch (error) {
      return proxyError('invalid_tags', (error as Error).message)
    }
    const request = c.req.raw
    const body = await readBody(
      request,
      maxBodyBytes,
      (c.env as { incoming?: IncomingMessage } | undefined)?.incoming,
    )
    if (body === 'too-large')
      return proxyError('body_too_large', `request body over the limit of ${maxBodyBytes} bytes`)
    const init: RequestInit = {
      method: request.method,
      headers: upstreamHeaders(request.headers),
      signal: request.signal,
      redirect: 'manual',
      ...(body === null ? {} : { body }),
    }
    const metered = fetchers.get(name)!
    let response: Response
    try {
      response =
        tags === undefined
          ? await metered(target, init)
          : await meter.runWithTags(tags, () => metered(target, init))
    } catch (error) {
      return errorResponse(error, upstream, request.signal, onError)
    }
    const headers = callerHeaders(response.headers)
    const type = response.headers.get('content-type')
    if (response.body === null || (type !== null && type.includes('text/event-stream'))) {
      // Streamed as it arrives: the meter reads the events as they go by.
      return new Response(response.body, {
        status: response.status,
        statusText: response.statusText,
        headers,
      })
    }
    // A JSON (or other) body: read whole, so the meter's tap sees it; one write to the caller.
    let bytes: ArrayBuffer
    try {
      bytes = await response.arrayBuffer()
    } catch (error) {
      return errorResponse(error, upstream, request.signal, onError)
    }
    return new Response(bytes, {
      status: response.status,
      statusText: response.statusText,
      headers,
    })
  })

  app.onError((error) => {
    onError(error)
    return proxyError('invalid_request', 'the proxy could not handle this request')
  })
  return app
}

function errorResponse(
  error: unknown,
  upstream: Upstream,
  signal: AbortSignal,
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
  if (signal.aborted) {
    // The caller went away: nobody reads this answer.
    return proxyError('invalid_request', 'the client closed the request')
  }
  const code = causeCode(error)
  if (
    code === 'UND_ERR_HEADERS_TIMEOUT' ||
    code === 'UND_ERR_BODY_TIMEOUT' ||
    code === 'TimeoutError'
  ) {
    return proxyError(
      'upstream_timeout',
      `upstream ${JSON.stringify(upstream.name)} timed out (${code})`,
    )
  }
  if (!(error instanceof TypeError)) onError(error)
  return proxyError(
    'upstream_unreachable',
    `upstream ${JSON.stringify(upstream.name)} is unreachable (${code})`,
    { fields: { upstream: upstream.name } },
  )
}

function causeCode(error: unknown): string {
  const cause = (error as { cause?: { code?: unknown } } | null)?.cause
  if (typeof cause?.code === 'string') return cause.code
  const message = (cause as { message?: unknown } | undefined)?.message
  if (typeof message === 'string' && message !== '') return message
  return error instanceof Error ? error.name : 'network_error'
}
