/**
 * Metering an `openai` or `@anthropic-ai/sdk` client (both have `baseURL` and `withOptions()`).
 * The wrapper builds a NEW client with `client.withOptions({ fetch })`
 * whose fetch is metered, so every SDK behaviour (types, `withResponse()`, streams, retries,
 * errors, timeouts) is the SDK's own, untouched. The client's own `fetch` (a proxy-aware one, say)
 * stays underneath the meter.
 */
import { TokenledgerError } from '@tokenledger/pricing'
import type { FetchLike } from './read-request.js'

/**
 * The small part of an `openai` v5/v6 (or `@anthropic-ai/sdk`) client the meter uses (declared
 * here so the meter never imports the SDK): its base URL and `withOptions`. Any client with the
 * same two members works.
 */
export interface WrappableClient<T> {
  baseURL: string
  withOptions(options: { fetch: FetchLike }): T
}

/**
 * A copy of `client` whose fetch is `makeFetch(the client's fetch)`.
 * @throws TokenledgerError OPTION_INVALID when the client has no `withOptions` (openai < 5).
 */
export function wrapClient<T extends WrappableClient<T>>(
  client: T,
  fallbackFetch: FetchLike,
  makeFetch: (underlying: FetchLike) => FetchLike,
): T {
  if (typeof client !== 'object' || client === null || typeof client.withOptions !== 'function') {
    throw new TokenledgerError(
      'OPTION_INVALID',
      'meter.wrap(client): expected an openai (v5 or later) or @anthropic-ai/sdk client with a withOptions() method; for other SDKs pass meter.fetch as their fetch option',
    )
  }
  // `fetch` is a private field in the SDK's types, so it is read reflectively.
  const own: unknown = Reflect.get(client, 'fetch')
  const underlying = typeof own === 'function' ? (own as FetchLike) : fallbackFetch
  return client.withOptions({ fetch: makeFetch(underlying) })
}
