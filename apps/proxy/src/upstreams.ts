/**
 * Where the proxy may forward: one upstream per route name. By default every provider of the
 * pricing table with an API base URL (`/deepseek/...` goes to DeepSeek); `--upstream NAME=URL`
 * points a known provider at another base URL, and `--upstream NAME:PROVIDER=URL` adds another
 * upstream priced as PROVIDER (a self-hosted vLLM priced as `openai`, a corporate gateway). The
 * target host always comes from here, never from the request: the proxy is never an open proxy.
 */
import { type PricingTable, TokenledgerError } from '@tokenledger/pricing'

/** One configured upstream. */
export interface Upstream {
  /** Route name: the first path segment. */
  name: string
  /** Base URL, without a trailing slash. */
  base: string
  /** `base` parsed once. */
  origin: string
  /** Path of `base` ('' for none). */
  basePath: string
  /** Pricing provider id; undefined: detected from the URL (an unknown host is unpriced). */
  provider: string | undefined
}

const NAME = /^[a-z0-9][a-z0-9._-]{0,63}$/

/**
 * The upstreams: the table's providers, then the flags (later wins).
 * @throws TokenledgerError FLAG_INVALID naming the flag.
 */
export function resolveUpstreams(
  table: PricingTable,
  flags: readonly string[] = [],
): Map<string, Upstream> {
  const upstreams = new Map<string, Upstream>()
  for (const provider of table.providers()) {
    // The shortest base: requests name the rest of the path (`/v1/chat/completions`).
    const base = [...provider.apiBaseUrls].sort(
      (a, b) => new URL(a).pathname.length - new URL(b).pathname.length,
    )[0]
    if (base !== undefined) upstreams.set(provider.id, upstream(provider.id, base, provider.id))
  }
  for (const flag of flags) {
    const parsed = parseUpstreamFlag(flag, table)
    upstreams.set(parsed.name, parsed)
  }
  return upstreams
}

/**
 * Parses `NAME=URL` (NAME a provider id of the table) or `NAME:PROVIDER=URL` (any NAME, priced as
 * PROVIDER; `NAME:=URL` for an unpriced upstream).
 * @throws TokenledgerError FLAG_INVALID naming the flag and what was expected.
 */
export function parseUpstreamFlag(flag: string, table: PricingTable): Upstream {
  const where = `--upstream ${JSON.stringify(flag)}`
  const equals = flag.indexOf('=')
  if (equals < 1)
    throw new TokenledgerError('FLAG_INVALID', `${where}: expected NAME=URL or NAME:PROVIDER=URL`)
  const left = flag.slice(0, equals)
  const url = flag.slice(equals + 1)
  const colon = left.indexOf(':')
  const name = colon === -1 ? left : left.slice(0, colon)
  if (!NAME.test(name))
    throw new TokenledgerError(
      'FLAG_INVALID',
      `${where}: NAME: expected lower-case letters, digits, ".", "_" or "-", got ${JSON.stringify(name)}`,
    )
  let provider: string | undefined = colon === -1 ? name : left.slice(colon + 1)
  if (provider === '') provider = undefined
  if (provider !== undefined && !table.provider(provider)) {
    const known = table
      .providers()
      .map((p) => p.id)
      .sort()
      .join(', ')
    const hint =
      colon === -1
        ? `; for another upstream name its pricing provider: ${name}:PROVIDER=URL (or ${name}:=URL, unpriced)`
        : ''
    throw new TokenledgerError(
      'FLAG_INVALID',
      `${where}: unknown provider ${JSON.stringify(provider)}; expected one of ${known}${hint}`,
    )
  }
  let parsed: URL
  try {
    parsed = new URL(url)
  } catch {
    throw new TokenledgerError(
      'FLAG_INVALID',
      `${where}: URL: expected an http(s) URL such as http://127.0.0.1:9000/v1, got ${JSON.stringify(url)}`,
    )
  }
  if (
    (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') ||
    parsed.search ||
    parsed.hash
  ) {
    throw new TokenledgerError(
      'FLAG_INVALID',
      `${where}: URL: expected an http(s) base URL without query or fragment, got ${JSON.stringify(url)}`,
    )
  }
  return upstream(name, url, provider)
}

function upstream(name: string, base: string, provider: string | undefined): Upstream {
  const url = new URL(base)
  const basePath = url.pathname.replace(/\/+$/, '')
  return { name, base: `${url.origin}${basePath}`, origin: url.origin, basePath, provider }
}

/**
 * The URL a request path goes to: the path names the provider's API path as its documentation
 * does (`/v1/chat/completions`), or the part after the base (`/chat/completions`); either way the
 * target stays under the upstream's base. Null for a path that tries to leave it.
 */
export function targetUrl(upstream: Upstream, rest: string, search: string): string | null {
  // Dot segments (plain or percent-encoded) could climb out of the base on the upstream's side.
  if (/(^|\/)(\.|%2e){1,2}(\/|$)/i.test(rest) || /%2f|%5c|\\/i.test(rest)) return null
  const path = rest === '' ? '' : rest.startsWith('/') ? rest : `/${rest}`
  const under =
    upstream.basePath !== '' &&
    (path === upstream.basePath || path.startsWith(`${upstream.basePath}/`))
  return `${under ? upstream.origin : upstream.base}${path}${search}`
}
