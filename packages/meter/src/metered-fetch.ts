/**
 * The metered `fetch`: a drop-in `fetch` for any SDK's `fetch` option. It hands the caller the
 * provider's response (or error) unchanged and records the call off the caller's path:
 * - non-streamed JSON: the caller's own read of the body is tapped (see response-tap.ts), so the
 *   body is neither copied nor parsed twice, and the record is built after the caller has it;
 * - streams (`text/event-stream`): the body is wrapped and its SSE events read as they go by;
 *   `stream_options.include_usage` is added for OpenAI-style streams that lack it, and the extra
 *   usage chunk it causes is hidden from the caller;
 * - HTTP errors: recorded with their status and the error type the body names;
 * - network errors and aborts: recorded, then the same error is thrown to the caller.
 * Every failure of the meter itself goes to onError; the call always goes on.
 *
 * Retries: an SDK that retries calls fetch again, so each attempt is its own record (the failed
 * attempts are error records).
 */
import { trackBackgroundWork } from './background-work.js'
import type { FetchScope, MeterCore } from './meter-core.js'
import {
  type Call,
  callThrew,
  observeStream,
  openCall,
  type PreparedCall,
  prepareCall,
  settleBody,
  settleHttpError,
} from './metered-call.js'
import { explicitProvider } from './provider-detect.js'
import type { FetchInput, FetchLike } from './read-request.js'
import { type TapMode, type TappedBody, tapResponse } from './response-tap.js'
import { startSweeper } from './tap-sweeper.js'
import { tapStream } from './stream/stream-tap.js'

/** `meter.fetch`: a metered fetch, and a way to name the provider of every call it makes. */
export interface MeteredFetch extends FetchLike {
  /**
   * A metered fetch recording every call under `provider` (a pricing-table id), for a gateway or a
   * local URL the table does not know. Tags and everything else are this fetch's.
   * @throws TokenledgerError PRICING_LOOKUP for an unknown provider id, listing the known ones.
   */
  withProvider(provider: string): MeteredFetch
}

/** The `meter.fetch` of a scope, with its `withProvider`. */
export function createMeterFetch(core: MeterCore, scope: FetchScope): MeteredFetch {
  const fetch = createMeteredFetch(core, scope, core.baseFetch) as MeteredFetch
  fetch.withProvider = function withProvider(provider: string): MeteredFetch {
    return createMeterFetch(core, {
      ...scope,
      provider: explicitProvider(core.prices, provider, 'meter.fetch.withProvider(provider)'),
    })
  }
  return fetch
}

/** The underlying fetch of each metered fetch, so wrapping twice never records twice. */
const UNDERLYING = new WeakMap<FetchLike, FetchLike>()

/** The fetch a metered fetch calls, or the function itself when it is not metered. */
export function unwrapFetch(fetch: FetchLike): FetchLike {
  return UNDERLYING.get(fetch) ?? fetch
}

/**
 * Builds a metered fetch over `underlying` for a scope (provider, tags). `tap` says how JSON bodies
 * are read: `'all'` readers for any caller, `'json'` for the openai SDK (see response-tap.ts).
 */
export function createMeteredFetch(
  core: MeterCore,
  scope: FetchScope,
  underlying: FetchLike,
  tap: TapMode = 'all',
): FetchLike {
  const base = unwrapFetch(underlying)
  // Promise callbacks rather than an async function: fewer turns of the caller's microtask queue.
  const send = (
    input: FetchInput,
    init: RequestInit | undefined,
    prepared: PreparedCall,
    callId: string | undefined,
  ): Promise<Response> => {
    const call = openCall(core, input, init, prepared, callId)
    const threw = (error: unknown): never => {
      callThrew(core, scope, call, error, init?.signal?.aborted === true)
      throw error
    }
    let sent: Promise<Response>
    try {
      sent = base(input, prepared.injected ?? init)
    } catch (error) {
      return Promise.reject(error).catch(threw)
    }
    return sent.then((response) => {
      try {
        return observe(core, scope, call, response, init?.signal, tap)
      } catch (error) {
        core.report(error, { phase: 'record' })
        return response
      }
    }, threw)
  }
  const meteredFetch: FetchLike = function meteredFetch(
    input: FetchInput,
    init?: RequestInit,
  ): Promise<Response> {
    let prepared: PreparedCall | null
    try {
      prepared = prepareCall(core, scope, input, init)
    } catch (error) {
      return Promise.reject(error)
    }
    if (!prepared) return base(input, init)
    const ready = prepared
    if (ready.reserving === null) return send(input, init, ready, undefined)
    return ready.reserving.then((callId) => send(input, init, ready, callId))
  }
  UNDERLYING.set(meteredFetch, base)
  return meteredFetch
}

/** Watches the response the caller gets: the same object, its body read where the caller reads it. */
function observe(
  core: MeterCore,
  scope: FetchScope,
  call: Call,
  response: Response,
  signal: AbortSignal | null | undefined,
  mode: TapMode,
): Response {
  if (!response.ok) {
    const copy = response.clone()
    trackBackgroundWork(core, async () => {
      let text: string | null = null
      try {
        text = await copy.text()
      } catch {
        // The body went away: the status alone names the error.
      }
      settleHttpError(core, scope, call, response, text)
    })
    return response
  }

  const contentType = response.headers.get('content-type')
  if (response.body && contentType !== null && contentType.includes('text/event-stream')) {
    tapStream(response.body, observeStream(core, scope, call, response, signal))
    return response
  }

  const tap = tapResponse(
    response,
    (body: TappedBody) => {
      core.taps.delete(tap)
      settleBody(core, scope, call, response, body, signal?.aborted === true)
    },
    mode,
  )
  core.taps.set(tap, call.startPerf)
  core.sweepTimer ??= startSweeper(core)
  return response
}
