/**
 * Which headers cross the proxy, as node:http's raw header lists (names as sent, duplicates kept).
 * Everything the caller sends goes upstream (credentials included: `Authorization`, `x-api-key`,
 * `x-goog-api-key` pass through and are never read otherwise), except hop-by-hop headers, `host`
 * (the upstream's), the body's length (recomputed: the meter may add `include_usage`),
 * `accept-encoding` (answers come back uncompressed for the meter to read) and the proxy's own
 * `x-tokenledger-*` headers. Everything the provider answers comes back but hop-by-hop headers;
 * the body's length too, except on streams, whose length the meter may change.
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
const DROP_RESPONSE = new Set(HOP_BY_HOP)

/** The raw headers to send upstream: the caller's that cross, then `host` and the body's length. */
export function upstreamHeaders(
  raw: readonly string[],
  host: string,
  length: number | null,
): string[] {
  const out: string[] = []
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!.toLowerCase()
    if (DROP_REQUEST.has(name) || name.startsWith('x-tokenledger-')) continue
    out.push(raw[i]!, raw[i + 1]!)
  }
  out.push('host', host)
  if (length !== null) out.push('content-length', String(length))
  return out
}

/** The raw headers to send back to the caller; a stream's length is dropped (`keepLength` false). */
export function callerHeaders(raw: readonly string[], keepLength: boolean): string[] {
  const out: string[] = []
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!.toLowerCase()
    if (DROP_RESPONSE.has(name) || (!keepLength && name === 'content-length')) continue
    out.push(raw[i]!, raw[i + 1]!)
  }
  return out
}
