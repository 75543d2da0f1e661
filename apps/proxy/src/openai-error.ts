/**
 * The proxy's own errors (unknown route, bad tags, budget exceeded, upstream unreachable, body too
 * large), in the OpenAI error shape every OpenAI-compatible client already parses:
 * `{ "error": { "message", "type", "code", "param" } }`. Messages never contain credentials.
 */

/** One of the proxy's own error kinds, with its HTTP status. */
export const PROXY_ERRORS = {
  unknown_route: 404,
  unauthorized: 401,
  forbidden_host: 403,
  invalid_tags: 400,
  invalid_request: 400,
  body_too_large: 413,
  budget_exceeded: 429,
  ledger_unavailable: 503,
  upstream_unreachable: 502,
  upstream_timeout: 504,
} as const

export type ProxyErrorCode = keyof typeof PROXY_ERRORS

/** An OpenAI-style JSON error response of the proxy. */
export function proxyError(
  code: ProxyErrorCode,
  message: string,
  extra: { headers?: Record<string, string>; fields?: Record<string, unknown> } = {},
): Response {
  const body = JSON.stringify({
    error: { message, type: code, code, param: null, ...extra.fields },
  })
  return new Response(body, {
    status: PROXY_ERRORS[code],
    headers: { 'content-type': 'application/json', 'x-tokenledger-error': code, ...extra.headers },
  })
}
