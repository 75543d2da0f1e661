/**
 * Requests to one upstream over node:http(s) with a keep-alive connection pool of its own. A fetch
 * per forwarded call (undici, Web streams, a Response object) cost the proxy more than the rest of
 * the call on a fast upstream; node:http hands over the same bytes for a fraction of it.
 */
import { Agent as HttpAgent, type ClientRequest, request as httpRequest } from 'node:http'
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https'
import type { Upstream } from './upstreams.js'

/** How long an upstream may stay silent (no headers, no body bytes) before the call fails. */
export const UPSTREAM_IDLE_TIMEOUT_MS = 300_000

/** The code of the error a silent upstream's request fails with. */
export const UPSTREAM_TIMEOUT = 'UPSTREAM_TIMEOUT'

/** Sends requests to one upstream. */
export interface UpstreamClient {
  /** `host` header value of the upstream (`name[:port]`). */
  readonly host: string
  /** Starts a request; `path` is everything after the origin. */
  request(method: string, path: string, headers: string[]): ClientRequest
  /** Closes idle pooled connections. */
  close(): void
}

/** A client for `upstream`, its pool made now. */
export function upstreamClient(upstream: Upstream): UpstreamClient {
  const url = new URL(upstream.origin)
  const secure = url.protocol === 'https:'
  const options = { keepAlive: true, scheduling: 'lifo' as const }
  const agent = secure ? new HttpsAgent(options) : new HttpAgent(options)
  const send = secure ? httpsRequest : httpRequest
  const hostname = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname
  const port = url.port === '' ? (secure ? 443 : 80) : Number(url.port)
  return {
    host: url.host,
    request(method, path, headers) {
      const request = send({
        agent,
        hostname,
        port,
        method,
        path,
        headers,
        // The upstream picks no host from anything in the request: this one is fixed.
        setHost: false,
        timeout: UPSTREAM_IDLE_TIMEOUT_MS,
      })
      request.once('timeout', () => {
        const error = new Error(`no answer for ${UPSTREAM_IDLE_TIMEOUT_MS} ms`) as Error & {
          code: string
        }
        error.code = UPSTREAM_TIMEOUT
        request.destroy(error)
      })
      return request
    },
    close: () => agent.destroy(),
  }
}
