/**
 * Optional access token for the dashboard. When a token is set, every request must carry it:
 * `Authorization: Bearer <token>`, `?token=<token>` (a page visit then gets a session cookie and is
 * redirected to the same URL without the token, so it does not linger in history or links), or
 * that cookie. Comparisons are timing-safe.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto'
import type { MiddlewareHandler } from 'hono'
import { getCookie, setCookie } from 'hono/cookie'
import { TokenledgerError } from '@tokenledger/pricing'

/** The session cookie's name. */
export const SESSION_COOKIE = 'tokenledger_session'

/** Equal strings compare in time that does not depend on where they differ (both are hashed first). */
export function safeEqual(given: string, expected: string): boolean {
  const a = createHash('sha256').update(given).digest()
  const b = createHash('sha256').update(expected).digest()
  return timingSafeEqual(a, b)
}

/** The cookie value proves the token was seen without being the token itself. */
function sessionValue(token: string): string {
  return createHmac('sha256', token).update('tokenledger-dashboard-session').digest('base64url')
}

/**
 * Builds the token middleware.
 * @param token the required token; at least 8 characters without spaces
 * @throws TokenledgerError OPTION_INVALID at construction for an empty or malformed token (fail
 *   early, hono style)
 */
export function tokenAuth(token: string): MiddlewareHandler {
  if (token.length < 8 || /\s/.test(token)) {
    throw new TokenledgerError(
      'OPTION_INVALID',
      'createDashboardApp: option token: expected at least 8 characters without spaces',
    )
  }
  const session = sessionValue(token)

  return async function tokenAuthMiddleware(c, next) {
    const header = c.req.header('authorization')
    if (header !== undefined) {
      const match = /^Bearer\s+(\S+)\s*$/i.exec(header)
      if (match && safeEqual(match[1]!, token)) return next()
      return unauthorized(c.req.path, 'the bearer token is wrong')
    }
    const fromQuery = c.req.query('token')
    if (fromQuery !== undefined) {
      if (!safeEqual(fromQuery, token))
        return unauthorized(c.req.path, "query parameter 'token' is wrong")
      if (
        c.req.method === 'GET' &&
        !c.req.path.startsWith('/api/') &&
        !c.req.path.startsWith('/static/')
      ) {
        setCookie(c, SESSION_COOKIE, session, { httpOnly: true, sameSite: 'Strict', path: '/' })
        const url = new URL(c.req.url)
        url.searchParams.delete('token')
        return c.redirect(`${url.pathname}${url.search}`, 303)
      }
      return next()
    }
    const cookie = getCookie(c, SESSION_COOKIE)
    if (cookie !== undefined && safeEqual(cookie, session)) return next()
    return unauthorized(c.req.path, 'a token is required')
  }
}

function unauthorized(path: string, problem: string): Response {
  const headers = { 'WWW-Authenticate': 'Bearer realm="tokenledger"', 'Cache-Control': 'no-store' }
  if (path.startsWith('/api/') || path.startsWith('/static/')) {
    return Response.json(
      { error: `${problem}: send Authorization: Bearer <token> or ?token=<token>` },
      { status: 401, headers },
    )
  }
  const body =
    '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>tokenledger: token required</title></head>' +
    '<body><h1>Token required</h1><p>This dashboard needs its access token: open it with <code>?token=...</code> ' +
    '(printed by <code>tokenledger dashboard</code>).</p></body></html>'
  return new Response(body, {
    status: 401,
    headers: { ...headers, 'Content-Type': 'text/html; charset=utf-8' },
  })
}
