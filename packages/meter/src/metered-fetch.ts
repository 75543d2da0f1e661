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
import { randomUUID } from 'node:crypto'
import type { MeteredUsage, UsageStyle } from '@tokenledger/pricing'
import type { CallRecord, CallStatus } from '@tokenledger/store'
import { reserveBudget } from './budget-hook.js'
import { type CallOutcome, type CallStart, RecordBuilder } from './build-record.js'
import type { FetchScope, MeterCore } from './meter-core.js'
import { type CallProvider, explicitProvider } from './provider-detect.js'
import { NORMALISERS, styleFor } from './normalisers/normaliser-for.js'
import {
  type FetchInput,
  type FetchLike,
  readRequest,
  readTarget,
  type RequestTarget,
  withStreamUsage,
} from './read-request.js'
import { readErrorType, readResponseBody } from './read-response.js'
import { type TapMode, type TappedBody, tapResponse } from './response-tap.js'
import { startSweeper } from './tap-sweeper.js'
import {
  createStreamObserver,
  type StreamEnd,
  type StreamObserver,
} from './stream/stream-observer.js'
import { tapStream } from './stream/stream-tap.js'
import {
  createStreamAccumulator,
  emptyFacts,
  type StreamFacts,
} from './stream/stream-accumulator.js'
import { mergeTags } from './tags.js'

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
  const meteredFetch: FetchLike = async function meteredFetch(
    input: FetchInput,
    init?: RequestInit,
  ): Promise<Response> {
    if (core.closed) return base(input, init)
    const target = readTarget(input, init)
    if (!target) return base(input, init)
    const provider = scope.provider ?? core.detector.detect(target.base)
    const style = styleFor(target.endpoint, provider.style)
    // Streams get `include_usage` when the caller did not ask for it and the provider may need it (a
    // string edit of the JSON body); everything else about the request is read later, off the
    // caller's path.
    const injected = needsUsageOption(core, style, provider, target.base)
      ? withStreamUsage(target.endpoint, init)
      : null
    // Budgets: the call's worst case is reserved before anything is sent (or BUDGET_EXCEEDED thrown).
    const reserving = reserveBudget(core, scope, provider, input, init, target)
    const callId = reserving === null ? undefined : await reserving
    const call: Call = {
      callId,
      input,
      init,
      target,
      provider,
      style,
      injectedUsage: injected !== null,
      startedAt: Date.now(),
      startPerf: performance.now(),
      // The scoped tags are read here, in the caller's async context.
      scoped: core.scope.current(),
      pending: null,
      telemetryContext: core.telemetry?.activeContext(),
    }
    const sent = base(input, injected ?? init)
    let response: Response
    try {
      response = await sent
    } catch (error) {
      const start = started(core, scope, call)
      if (start) {
        settle(core, call, start, {
          status: init?.signal?.aborted || isAbortError(error) ? 'aborted' : 'error',
          httpStatus: null,
          errorType: thrownType(error),
          facts: null,
          partial: true,
          requestId: null,
          endPerf: performance.now(),
          firstTextPerf: null,
        })
      }
      throw error
    }
    try {
      return observe(core, scope, call, response, init?.signal, tap)
    } catch (error) {
      core.report(error, { phase: 'record' })
      return response
    }
  }
  UNDERLYING.set(meteredFetch, base)
  return meteredFetch
}

/** One call of the metered fetch, read lazily. */
interface Call {
  /** The id a budget reservation gave the call's record; random when undefined. */
  callId: string | undefined
  input: FetchInput
  /** The caller's init (the body as the caller wrote it: the record reads this one). */
  init: RequestInit | undefined
  target: RequestTarget
  provider: CallProvider
  style: UsageStyle
  /** The meter added `include_usage` to the request sent. */
  injectedUsage: boolean
  startedAt: number
  startPerf: number
  scoped: FetchScope['tags']
  /** Set by `started()`; undefined when the call turned out not to be metered. */
  pending: CallStart | null | undefined
  /** The OpenTelemetry context active when the call was made (its span's parent); undefined when off. */
  telemetryContext: unknown
}

/** Reads the call's request (once) and starts its record; null when it is not metered. */
function started(core: MeterCore, scope: FetchScope, call: Call): CallStart | null {
  if (call.pending !== null) return call.pending ?? null
  try {
    const request = readRequest(call.input, call.init, call.target)
    if (!request) {
      call.pending = undefined
      return null
    }
    call.pending = {
      id: call.callId ?? randomUUID(),
      startedAt: call.startedAt,
      startPerf: call.startPerf,
      provider: call.provider,
      style: call.style,
      request,
      tags: mergeTags(scope.tags, call.scoped),
    }
    return call.pending
  } catch (error) {
    core.report(error, { phase: 'record' })
    call.pending = undefined
    return null
  }
}

/**
 * Stream usage is asked for wherever the provider accepts `stream_options.include_usage` and may
 * not send usage otherwise: OpenAI and every OpenAI-compatible host (TokenHub, Oxen, Gemini's
 * OpenAI endpoint, hosts the table does not know), and a gateway or local server given a
 * DeepSeek-style provider explicitly (vLLM-like servers send stream usage only when asked).
 * Left alone, because they send usage unasked and asking could only change what the caller gets:
 * DeepSeek's own API (usage on its last chunk; asked, it documents a separate `choices: []` chunk,
 * which the meter would then hide, taking the usage away from a caller that had it) and
 * OpenRouter-style providers (their usage chunk always comes). A stream that still ends without
 * usage is told to onError (usage-notices.ts).
 */
function needsUsageOption(
  core: MeterCore,
  style: UsageStyle,
  provider: CallProvider,
  base: string,
): boolean {
  if (style === 'openai') return true
  // The provider's own API sends usage unasked (the lookup is cached per base URL).
  return style === 'deepseek' && !core.detector.isOwnApi(base, provider.id)
}

function observe(
  core: MeterCore,
  scope: FetchScope,
  call: Call,
  response: Response,
  signal: AbortSignal | null | undefined,
  mode: TapMode,
): Response {
  // Built only when the call ends, off the caller's path (a closure per call would cost on it).
  const outcome: Outcome = (status, facts, extra) => outcomeOf(response, status, facts, extra)

  if (!response.ok) {
    const copy = response.clone()
    background(core, async () => {
      const start = started(core, scope, call)
      if (!start) return
      let errorType: string | null = null
      try {
        errorType = readErrorType(JSON.parse(await copy.text()))
      } catch {
        // Not JSON, or the body went away: the status alone names the error.
      }
      settle(
        core,
        call,
        start,
        outcome('error', null, { errorType: errorType ?? `http_${response.status}` }),
      )
    })
    return response
  }

  const contentType = response.headers.get('content-type')
  if (response.body && contentType !== null && contentType.includes('text/event-stream')) {
    meterStream(core, scope, call, response.body, signal, outcome)
    return response
  }

  const tap = tapResponse(
    response,
    (body: TappedBody) => {
      core.taps.delete(tap)
      // Runs just after the caller got the body: the body's facts are read now (the caller owns the
      // parsed body and may change it later); the record is built with the next batch.
      if (body.kind === 'elsewhere') {
        // Read through a reader the tap did not see: recorded, its usage missing (input estimated).
        settleLazily(
          core,
          scope,
          call,
          outcome('ok', emptyFacts(), { endPerf: body.at ?? performance.now() }),
        )
        return
      }
      if (body.kind === 'error') {
        const status = signal?.aborted ? 'aborted' : 'error'
        settleLazily(
          core,
          scope,
          call,
          outcome(status, null, {
            errorType: thrownType(body.error),
            partial: true,
            endPerf: body.at ?? performance.now(),
          }),
        )
        return
      }
      const facts = readResponseBody(
        call.style,
        body.kind === 'json' ? body.value : parseJson(body.text),
      )
      const ended = outcome(facts.errorType ? 'error' : 'ok', facts, {
        errorType: facts.errorType,
        endPerf: body.at ?? performance.now(),
      })
      settleLazily(core, scope, call, RecordBuilder.normaliseNow(call.style, ended))
    },
    mode,
  )
  core.taps.set(tap, call.startPerf)
  core.sweepTimer ??= startSweeper(core)
  return response
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text)
  } catch {
    return null
  }
}

function meterStream(
  core: MeterCore,
  scope: FetchScope,
  call: Call,
  body: ReadableStream<Uint8Array>,
  signal: AbortSignal | null | undefined,
  outcome: Outcome,
): void {
  const accumulator = createStreamAccumulator(call.style, { injectedUsage: call.injectedUsage })
  const observer: StreamObserver = createStreamObserver({
    accumulator,
    filter: call.injectedUsage,
    signal,
    hooks: {
      onEnd: (how: StreamEnd, error?: unknown) => {
        core.streams.delete(observer)
        // This runs inside the caller's last read: note the end (status, request id, time); the
        // stream is parsed in a later turn, and the record built with the next batch.
        const ended = outcome('ok', null)
        later(core, () => {
          const firstTextPerf = observer.analyse()
          const facts = accumulator.facts()
          // A caller that stops after the final usage arrived has the whole answer: that call is ok.
          const status: CallStatus =
            how === 'complete' || facts.finalUsage ? (facts.errorType ? 'error' : 'ok') : 'aborted'
          // A complete stream whose usage has both totals needs no estimate: let go of the text kept
          // for one (a malformed count, say `completion_tokens: "12"`, is estimated from that text).
          // Normalised once, here; the record reuses it.
          const usage = NORMALISERS[call.style](facts.usage)
          if (status !== 'aborted' && facts.finalUsage && hasTotals(usage)) accumulator.release()
          settleLazily(core, scope, call, {
            ...ended,
            status,
            facts,
            usage,
            errorType: facts.errorType ?? (how === 'broken' ? thrownType(error) : null),
            partial: status === 'aborted',
            firstTextPerf,
          })
        })
      },
      onAccumulatorError: (error: unknown) => core.report(error, { phase: 'record' }),
    },
  })
  core.streams.add(observer)
  tapStream(body, observer)
}

/** True when the usage reports both input and output totals, so no estimate will read the text. */
function hasTotals({ provenance }: MeteredUsage): boolean {
  return provenance.inputTokens !== 'missing' && provenance.outputTokens !== 'missing'
}

/** Runs a body read off the caller's path, tracked so flush() can wait for its record. */
function background(core: MeterCore, work: () => Promise<void>): void {
  const task: Promise<void> = work()
    .catch((error: unknown) => core.report(error, { phase: 'record' }))
    .finally(() => core.reads.delete(task))
  core.reads.add(task)
}

/** How a call ended, given what the response said. */
type Outcome = (
  status: CallStatus,
  facts: StreamFacts | null,
  extra?: Partial<CallOutcome>,
) => CallOutcome

function outcomeOf(
  response: Response,
  status: CallStatus,
  facts: StreamFacts | null,
  extra: Partial<CallOutcome> = {},
): CallOutcome {
  return {
    status,
    httpStatus: response.status,
    errorType: null,
    facts,
    partial: false,
    requestId: response.headers.get('x-request-id') ?? response.headers.get('request-id'),
    endPerf: performance.now(),
    firstTextPerf: null,
    ...extra,
  }
}

/**
 * Runs `work` in a later turn of the event loop, tracked so flush() waits for it, and listed in
 * `core.deferred` so an exiting process can run it at once (settleNow).
 */
function later(core: MeterCore, work: () => void): void {
  background(
    core,
    () =>
      new Promise<void>((resolve, reject) => {
        const run = (): void => {
          if (!core.deferred.delete(run)) return
          try {
            resolve(work())
          } catch (error) {
            reject(error)
          }
        }
        core.deferred.add(run)
        setImmediate(run)
      }),
  )
}

/** Queues a call whose request is read when its record is built, with the next batch. */
function settleLazily(core: MeterCore, scope: FetchScope, call: Call, outcome: CallOutcome): void {
  core.queue.push(() => {
    const start = started(core, scope, call)
    return start ? finished(core, call, outcome, core.builder.build(start, outcome)) : null
  })
}

/** Queues the call; its record is built with the next batch. Never throws. */
function settle(core: MeterCore, call: Call, start: CallStart, outcome: CallOutcome): void {
  core.queue.push(() => finished(core, call, outcome, core.builder.build(start, outcome)))
}

/** A record just built: told to the usage notices and to OpenTelemetry when it is on. */
function finished(
  core: MeterCore,
  call: Call,
  outcome: CallOutcome,
  record: CallRecord,
): CallRecord {
  core.notices.check(record, call.injectedUsage)
  if (core.telemetry) {
    try {
      core.telemetry.record(record, call.telemetryContext, {
        responseId: outcome.facts?.responseId ?? null,
        url: call.target.url,
      })
    } catch (error) {
      core.report(error, { phase: 'record', callId: record.id })
    }
  }
  return record
}

function isAbortError(error: unknown): boolean {
  return error instanceof Error && (error.name === 'AbortError' || error.name === 'TimeoutError')
}

/** A short name for a thrown error: the system code of its cause when there is one (ECONNREFUSED). */
export function thrownType(error: unknown): string {
  if (!(error instanceof Error)) return 'network_error'
  const cause = (error as { cause?: unknown }).cause
  const causeCode =
    cause && typeof cause === 'object' ? (cause as { code?: unknown }).code : undefined
  if (typeof causeCode === 'string') return causeCode
  const code = (error as { code?: unknown }).code
  if (typeof code === 'string') return code
  return error.name
}
