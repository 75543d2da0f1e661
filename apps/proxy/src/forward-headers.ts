/**
 * Which headers cross the proxy. Everything the caller sends goes upstream (credentials included:
 * `Authorization`, `x-api-key`, `x-goog-api-key` pass through and are never read otherwise),
 * except hop-by-hop headers, `host`, the body's length (recomputed) and the proxy's own
 * `x-tokenledger-*` headers. Everything the provider answers comes back except hop-by-hop headers
 * and the body's encoding and length: fetch has already decoded the body.
 */

const HOP_BY_HOP = [
  'connection',
  'keep-alive',
  'proxy-authenticate',
  'proxy-authorization',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
]

const DROP_REQUEST = new Set([...HOP_BY_HOP, 'host', 'content-length', 'expect', 'accept-encoding'])
const DROP_RESPONSE = new Set([...HOP_BY_HOP, 'content-encoding', 'content-length'])

/** The headers to send upstream. */
export function upstreamHeaders(incoming: Headers): Headers {
  const out = new Headers()
  incoming.forEach((value, name) => {
    if (DROP_REQUEST.has(name) || name.startsWith('x-tokenledger-')) return
    out.append(name, value)
  })
  return out
}

/** The headers to send back to the caller. */
export function callerHeaders(upstream: Headers): Headers {
  const out = new Headers()
  upstream.forEach((value, name) => {
    if (!DROP_RESPONSE.has(name)) out.append(name, value)
  })
  return out
}
