/**
 * DNS rebinding guard. Without a token, a web page the user visits could point its own domain at
 * 127.0.0.1 and read the ledger through the browser; its requests then carry that domain in the
 * `Host` header. So a dashboard without a token answers only loopback host names (and the ones
 * it is told to allow): `localhost`, `*.localhost`, 127.0.0.0/8 and `[::1]`, any port.
 */
import type { MiddlewareHandler } from 'hono'

/** True for a loopback host name or address (no port, no brackets). */
export function isLoopbackHost(hostname: string): boolean {
  const name = hostname.toLowerCase().replace(/\.$/, '')
  return (
    name === 'localhost' ||
    name.endsWith('.localhost') ||
    name === '::1' ||
    /^127(\.(25[0-5]|2[0-4]\d|1?\d?\d)){3}$/.test(name)
  )
}

/** The host name of a `Host` header value (`[::1]:8787` -> `::1`), lower case, or null when malformed. */
export function hostnameOf(header: string): string | null {
  const match = /^(?:\[([0-9a-fA-F:.]+)\]|([^\s:[\]/@]+))(?::\d{1,5})?$/.exec(header.trim())
  if (!match) return null
  return (match[1] ?? match[2]!).toLowerCase().replace(/\.$/, '')
}

/**
 * Builds the Host check middleware.
 * @param allowedHosts extra host names to accept (a reverse proxy's name, for instance)
 */
export function hostCheck(allowedHosts: readonly string[] = []): MiddlewareHandler {
  const allowed = new Set(allowedHosts.map((name) => name.toLowerCase().replace(/\.$/, '')))
  return async function hostCheckMiddleware(c, next) {
    const header = c.req.header('host') ?? new URL(c.req.url).host
    const hostname = hostnameOf(header)
    if (hostname !== null && (isLoopbackHost(hostname) || allowed.has(hostname))) return next()
    return c.json(
      {
        error: `Host ${JSON.stringify(header)} is not a loopback name: without a token this dashboard answers only localhost, 127.0.0.1 and [::1] (set a token, or allow the name)`,
      },
      421,
      { 'Cache-Control': 'no-store' },
    )
  }
}
