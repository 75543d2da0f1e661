/**
 * Who may use the proxy. Without a token it serves loopback only: it binds 127.0.0.1 and answers
 * only requests whose Host is a loopback name (a web page cannot reach it through DNS rebinding).
 * With a token (required for any other bind address) every request but the health check presents
 * it in `x-tokenledger-token`, compared in constant time.
 */
import { createHash, timingSafeEqual } from 'node:crypto'

export const TOKEN_HEADER = 'x-tokenledger-token'

const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]', '::1'])

/** True for a loopback bind address. */
export function isLoopback(host: string): boolean {
  return LOOPBACK_HOSTS.has(host) || /^127(\.\d{1,3}){3}$/.test(host)
}

/** True when the Host header names this machine's loopback interface. */
export function isLoopbackHostHeader(host: string | null): boolean {
  if (host === null) return false
  const name = host.startsWith('[')
    ? host.slice(0, host.indexOf(']') + 1)
    : host.replace(/:\d+$/, '')
  return isLoopback(name.toLowerCase())
}

/** A constant-time check of a presented token against the configured one. */
export function tokenChecker(token: string): (presented: string | null) => boolean {
  const expected = createHash('sha256').update(token).digest()
  return (presented) => {
    if (presented === null) return false
    // Digests have one length, so the comparison takes the same time whatever was presented.
    return timingSafeEqual(createHash('sha256').update(presented).digest(), expected)
  }
}
