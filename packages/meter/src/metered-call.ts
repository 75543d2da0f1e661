/**
 * One metered call, whatever carries it: the steps `meter.fetch` (metered-fetch.ts) and
 * `meter.exchange` (metered-exchange.ts, for a gateway's own HTTP client) share, so a call is
 * metered, budget-checked and recorded by one implementation:
 * - `prepareCall`: before sending, which call it is, whether a stream needs `include_usage`, and
 *   the budget reservation;
 * - `openCall`: the call's state once it may be sent;
 * - then one of: `callThrew` (nothing came back), `settleHttpError` (an HTTP error and its body),
 *   `observeStream` (an SSE body, chunk by chunk), `settleBody` (a whole JSON body).
 * The request itself is read later, off the caller's path, when the record is built.
 */
import { randomUUID } from 'node:crypto'
import type { MeteredUsage, UsageStyle } from '@tokenledger/pricing'
import type { CallRecord, CallStatus } from '@tokenledger/store'
import { reserveBudget } from './budget-hook.js'
import { type CallOutcome, type CallStart, RecordBuilder, readsPrompt } from './build-record.js'
import type { FetchScope, MeterCore } from './meter-core.js'
import type { CallProvider } from './provider-detect.js'
import { NORMALISERS, styleFor } from './normalisers/normaliser-for.js'
import {
  type FetchInput,
  readRequest,
  readTarget,
  type RequestTarget,
  withoutBody,
  withStreamUsage,
} from './read-request.js'
import { parseJsonOrNull } from './json-fields.js'
import { readErrorType, readResponseBody } from './read-response.js'
import type { TappedBody } from './response-tap.js'
import {
  createStreamObserver,
  type StreamEnd,
  type StreamObserver,
} from './stream/stream-observer.js'
import {
  createStreamAccumulator,
  emptyFacts,
  type StreamAccumulator,
  type StreamFacts,
} from './stream/stream-accumulator.js'
import { mergeTags } from './tags.js'

/** What the meter reads of a response: its status and two headers (a fetch Response is one). */
export interface ResponseHead {
  readonly status: number
  readonly headers: { get(name: string): string | null }
}

/** A call about to be sent: known to be metered, its budget being reserved. */
export interface PreparedCall {
  target: RequestTarget
  provider: CallProvider
  style: UsageStyle
  /** The request to send instead of the caller's (`include_usage` added); null: the caller's. */
  injected: RequestInit | null
  /** The id the budget reservation gives the record; null when the meter has no budgets. */
  reserving: Promise<string | undefined> | null
}

/** One call, read lazily. */
export interface Call {
  /** The id a budget reservation gave the call's record; random when undefined. */
  callId: string | undefined
  input: FetchInput
  /**
   * The caller's init (the body as the caller wrote it: the record reads this one); undefined once
   * the request has been read and its record will not need the prompt (releasePrompt).
   */
  init: RequestInit | undefined
  target: RequestTarget
  provider: CallProvider
  style: UsageStyle
  /** The meter added `include_usage` to the request sent. */
  injectedUsage: boolean
  startedAt: number
  startPerf: number
  scoped: FetchScope['tags']
  /** The request, read once by `started()`. */
  request: RequestState
  /** The OpenTelemetry context active when the call was made (its span's parent); undefined when off. */
  telemetryContext: unknown
}

/**
 * A call's request, read off the caller's path when its record is built: not read yet; read, and
 * its record started; or read and found not to be metered (no model, unreadable).
 */
type RequestState = { is: 'unread' } | { is: 'metered'; start: CallStart } | { is: 'not-metered' }

/**
 * The first step of a call: null when it is not metered (not a generation call, or the meter is
 * closed), so it goes through untouched. Cheap: the body is only edited for `include_usage`.
 * The reservation (when budgets are set) rejects with BUDGET_EXCEEDED before anything is sent.
 */
export function prepareCall(
  core: MeterCore,
  scope: FetchScope,
  input: FetchInput,
  init: RequestInit | undefined,
): PreparedCall | null {
  if (core.closed) return null
  const target = readTarget(input, init)
  if (!target) return null
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
  return { target, provider, style, injected, reserving }
}

/** The state of a prepared call about to be sent (its reservation, if any, taken). */
export function openCall(
  core: MeterCore,
  input: FetchInput,
  init: RequestInit | undefined,
  prepared: PreparedCall,
  callId: string | undefined,
): Call {
  return {
    callId,
    input,
    init,
    target: prepared.target,
    provider: prepared.provider,
    style: prepared.style,
    injectedUsage: prepared.injected !== null,
    startedAt: Date.now(),
    startPerf: performance.now(),
    // The scoped tags are read here, in the caller's async context.
    scoped: core.scope.current(),
    request: { is: 'unread' },
    telemetryContext: core.telemetry?.activeContext(),
  }
}

/** Nothing came back (a network error, an abort): recorded as such. */
export function callThrew(
  core: MeterCore,
  scope: FetchScope,
  call: Call,
  error: unknown,
  aborted: boolean,
): void {
  const start = started(core, scope, call)
  if (!start) return
  settle(core, call, start, {
    status: aborted || isAbortError(error) ? 'aborted' : 'error',
    httpStatus: null,
    errorType: thrownType(error),
    facts: null,
    partial: true,
    requestId: null,
    endPerf: performance.now(),
    firstTextPerf: null,
  })
}

/** An HTTP error answer, with its body's text (null when it could not be read). */
export function settleHttpError(
  core: MeterCore,
  scope: FetchScope,
  call: Call,
  head: ResponseHead,
  text: string | null,
): void {
  const start = started(core, scope, call)
  if (!start) return
  let errorType: string | null = null
  if (text !== null) {
    try {
      errorType = readErrorType(JSON.parse(text))
    } catch {
      // Not JSON: the status alone names the error.
    }
  }
  settle(
    core,
    call,
    start,
    outcomeOf(head, 'error', null, { errorType: errorType ?? `http_${head.status}` }),
  )
}

/** A whole (JSON) body as the caller got it; `aborted`: the caller's request was aborted. */
export function settleBody(
  core: MeterCore,
  scope: FetchScope,
  call: Call,
  head: ResponseHead,
  body: TappedBody,
  aborted: boolean,
): void {
  // Runs just after the caller got the body: the body's facts are read now (the caller owns the
  // parsed body and may change it later); the record is built with the next batch.
  if (body.kind === 'elsewhere') {
    // Read through a reader the tap did not see: recorded, its usage missing (input estimated).
    settleLazily(
      core,
      scope,
      call,
      outcomeOf(head, 'ok', emptyFacts(), { endPerf: body.at ?? performance.now() }),
    )
    return
  }
  if (body.kind === 'error') {
    settleLazily(
      core,
      scope,
      call,
      outcomeOf(head, aborted ? 'aborted' : 'error', null, {
        errorType: thrownType(body.error),
        partial: true,
        endPerf: body.at ?? performance.now(),
      }),
    )
    return
  }
  const facts = readResponseBody(
    call.style,
    body.kind === 'json' ? body.value : parseJsonOrNull(body.text),
  )
  const ended = RecordBuilder.normaliseNow(
    call.style,
    outcomeOf(head, facts.errorType ? 'error' : 'ok', facts, {
      errorType: facts.errorType,
      endPerf: body.at ?? performance.now(),
    }),
  )
  if (ended.usage && !readsPrompt(ended.usage)) releasePrompt(core, scope, call)
  settleLazily(core, scope, call, ended)
}

/**
 * Reads the request now and lets go of its body, for a call whose record will not read the prompt:
 * a queued call would otherwise keep it until its batch is written (with 64 KB prompts, 71 KB of
 * heap per waiting call, now 6.5 KB).
 */
function releasePrompt(core: MeterCore, scope: FetchScope, call: Call): void {
  const start = started(core, scope, call)
  if (!start) return
  start.request = withoutBody(start.request)
  call.init = undefined
}

/**
 * The observer of an SSE body: every chunk the caller gets goes past it (see stream-observer.ts);
 * the stream is parsed and recorded after its end, off the caller's path.
 */
export function observeStream(
  core: MeterCore,
  scope: FetchScope,
  call: Call,
  head: ResponseHead,
  signal: AbortSignal | null | undefined,
): StreamObserver {
  // Made when first needed, off the caller's path for most streams (see stream-observer.ts).
  let made: StreamAccumulator | null = null
  const accumulator = (): StreamAccumulator =>
    (made ??= createStreamAccumulator(call.style, { injectedUsage: call.injectedUsage }))
  const observer: StreamObserver = createStreamObserver({
    accumulator,
    filter: call.injectedUsage,
    signal,
    hooks: {
      onEnd: (how: StreamEnd, error?: unknown) => {
        core.streams.delete(observer)
        // This runs inside the caller's last read: only the time is noted. The head (request id) and
        // the stream are read when the record is built, with the next batch: in its slice of work,
        // not in a turn after each call, where it would delay the caller's next call. Until then
        // the queue counts the bytes the stream keeps.
        const endPerf = performance.now()
        settleLazily(
          core,
          scope,
          call,
          () => streamOutcome(call, head, observer, accumulator(), how, error, endPerf),
          observer.bytesSeen,
        )
      },
      onAccumulatorError: (error: unknown) => core.report(error, { phase: 'record' }),
    },
  })
  core.streams.add(observer)
  return observer
}

/** How a stream went, read when its record is built: its events are parsed now. */
function streamOutcome(
  call: Call,
  head: ResponseHead,
  observer: StreamObserver,
  accumulator: StreamAccumulator,
  how: StreamEnd,
  error: unknown,
  endPerf: number,
): CallOutcome {
  const firstTextPerf = observer.analyse()
  const facts = accumulator.facts()
  // A caller that stops after the final usage arrived has the whole answer: that call is ok.
  const status: CallStatus =
    how === 'complete' || facts.finalUsage ? (facts.errorType ? 'error' : 'ok') : 'aborted'
  // A complete stream whose usage has both totals needs no estimate: let go of the text kept for
  // one (a malformed count, say `completion_tokens: "12"`, is estimated from that text).
  // Normalised once, here; the record reuses it.
  const usage = NORMALISERS[call.style](facts.usage)
  if (status !== 'aborted' && facts.finalUsage && hasTotals(usage)) accumulator.release()
  return {
    ...outcomeOf(head, 'ok', null, { endPerf }),
    status,
    facts,
    usage,
    errorType: facts.errorType ?? (how === 'broken' ? thrownType(error) : null),
    partial: status === 'aborted',
    firstTextPerf,
  }
}

/** Reads the call's request (once) and starts its record; null when it is not metered. */
function started(core: MeterCore, scope: FetchScope, call: Call): CallStart | null {
  if (call.request.is === 'metered') return call.request.start
  if (call.request.is === 'not-metered') return null
  try {
    const request = readRequest(call.input, call.init, call.target)
    if (!request) {
      call.request = { is: 'not-metered' }
      return null
    }
    const start: CallStart = {
      id: call.callId ?? randomUUID(),
      startedAt: call.startedAt,
      startPerf: call.startPerf,
      provider: call.provider,
      style: call.style,
      request,
      tags: mergeTags(scope.tags, call.scoped),
    }
    call.request = { is: 'metered', start }
    return start
  } catch (error) {
    core.report(error, { phase: 'record' })
    call.request = { is: 'not-metered' }
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

/** True when the usage reports both input and output totals, so no estimate will read the text. */
function hasTotals({ provenance }: MeteredUsage): boolean {
  return provenance.inputTokens !== 'missing' && provenance.outputTokens !== 'missing'
}

function outcomeOf(
  head: ResponseHead,
  status: CallStatus,
  facts: StreamFacts | null,
  extra: Partial<CallOutcome> = {},
): CallOutcome {
  return {
    status,
    httpStatus: head.status,
    errorType: null,
    facts,
    partial: false,
    requestId: head.headers.get('x-request-id') ?? head.headers.get('request-id'),
    endPerf: performance.now(),
    firstTextPerf: null,
    ...extra,
  }
}

/**
 * Queues a call whose request is read when its record is built, with the next batch; an outcome
 * given as a function is read then too, and `keptBytes` is what it keeps until then (a stream's).
 */
function settleLazily(
  core: MeterCore,
  scope: FetchScope,
  call: Call,
  outcome: CallOutcome | (() => CallOutcome),
  keptBytes = 0,
): void {
  core.queue.push(() => {
    const start = started(core, scope, call)
    if (!start) return null
    const ended = typeof outcome === 'function' ? outcome() : outcome
    return finished(core, call, ended, core.builder.build(start, ended))
  }, keptBytes)
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
