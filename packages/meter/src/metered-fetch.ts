/**
 * The metered `fetch`: a drop-in `fetch` for any SDK's `fetch` option. It hands the caller the
 * provider's response (or error) unchanged and records the call off the caller's path:
 * - non-streamed JSON: the Response is cloned and the clone parsed AFTER the original is returned;
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
import type { UsageStyle } from '@tokenledger/pricing'
import type { CallStatus } from '@tokenledger/store'
import type { CallOutcome, CallStart } from './build-record.js'
import type { FetchScope, MeterCore } from './meter-core.js'
import { styleFor } from './normalisers/normaliser-for.js'
import { type FetchInput, type FetchLike, readRequest, withStreamUsage } from './read-request.js'
import { readErrorType, readResponseBody } from './read-response.js'
import { meterSseBody, type MeteredBody, type StreamEnd } from './stream/metered-body.js'
import { createStreamAccumulator, type StreamFacts } from './stream/stream-accumulator.js'
import { mergeTags } from './tags.js'

/** The underlying fetch of each metered fetch, so wrapping twice never records twice. */
const UNDERLYING = new WeakMap<FetchLike, FetchLike>()

/** The fetch a metered fetch calls, or the function itself when it is not metered. */
export function unwrapFetch(fetch: FetchLike): FetchLike {
  return UNDERLYING.get(fetch) ?? fetch
}

/** A call that is being metered. */
interface Pending {
  start: CallStart
  /** The init actually sent (with include_usage added), or the caller's. */
  init: RequestInit | undefined
  injectedUsage: boolean
}

/** Builds a metered fetch over `underlying` for a scope (provider, tags). */
export function createMeteredFetch(core: MeterCore, scope: FetchScope, underlying: FetchLike): FetchLike {
  const base = unwrapFetch(underlying)
  const meteredFetch: FetchLike = async function meteredFetch(input: FetchInput, init?: RequestInit): Promise<Response> {
    const pending = core.closed ? null : begin(core, scope, input, init)
    if (!pending) return base(input, init)
    let response: Response
    try {
      response = await base(input, pending.init)
    } catch (error) {
      settle(core, pending.start, {
        status: init?.signal?.aborted || isAbortError(error) ? 'aborted' : 'error',
        httpStatus: null,
        errorType: thrownType(error),
        facts: null,
        partial: true,
        requestId: null,
        endPerf: performance.now(),
        firstTextPerf: null,
      })
      throw error
    }
    try {
      return observe(core, pending, response, init?.signal)
    } catch (error) {
      core.report(error, { phase: 'record', callId: pending.start.id })
      return response
    }
  }
  UNDERLYING.set(meteredFetch, base)
  return meteredFetch
}

function begin(core: MeterCore, scope: FetchScope, input: FetchInput, init: RequestInit | undefined): Pending | null {
  try {
    const request = readRequest(input, init)
    if (!request) return null
    const provider = scope.provider ?? core.detector.detect(request.base)
    const style = styleFor(request.endpoint, provider.style)
    const injected = needsUsageOption(style) ? withStreamUsage(request, init) : null
    return {
      start: {
        id: randomUUID(),
        startedAt: Date.now(),
        startPerf: performance.now(),
        provider,
        style,
        request,
        tags: mergeTags(scope.tags, core.scope.current()),
      },
      init: injected ?? init,
      injectedUsage: injected !== null,
    }
  } catch (error) {
    core.report(error, { phase: 'record' })
    return null
  }
}

/** OpenAI sends no stream usage unless asked; OpenRouter always does (asking would change the stream). */
function needsUsageOption(style: UsageStyle): boolean {
  return style === 'openai' || style === 'deepseek'
}

function observe(core: MeterCore, pending: Pending, response: Response, signal: AbortSignal | null | undefined): Response {
  const { start } = pending
  const requestId = response.headers.get('x-request-id') ?? response.headers.get('request-id')
  const outcome = (status: CallStatus, facts: StreamFacts | null, extra: Partial<CallOutcome> = {}): CallOutcome => ({
    status,
    httpStatus: response.status,
    errorType: null,
    facts,
    partial: false,
    requestId,
    endPerf: performance.now(),
    firstTextPerf: null,
    ...extra,
  })

  if (!response.ok) {
    const copy = response.clone()
    background(core, start.id, async () => {
      let errorType: string | null = null
      try {
        errorType = readErrorType(JSON.parse(await copy.text()))
      } catch {
        // Not JSON, or the body went away: the status alone names the error.
      }
      settle(core, start, outcome('error', null, { errorType: errorType ?? `http_${response.status}` }))
    })
    return response
  }

  const contentType = response.headers.get('content-type') ?? ''
  if (response.body && contentType.includes('text/event-stream')) return meterStream(core, pending, response, signal, outcome)

  const copy = response.clone()
  background(core, start.id, async () => {
    let text: string
    try {
      text = await copy.text()
    } catch (error) {
      settle(core, start, outcome(signal?.aborted ? 'aborted' : 'error', null, { errorType: thrownType(error), partial: true }))
      return
    }
    let parsed: unknown
    try {
      parsed = JSON.parse(text)
    } catch {
      parsed = null
    }
    const facts = readResponseBody(start.style, parsed)
    settle(core, start, outcome(facts.errorType ? 'error' : 'ok', facts, { errorType: facts.errorType }))
  })
  return response
}

function meterStream(
  core: MeterCore,
  pending: Pending,
  response: Response,
  signal: AbortSignal | null | undefined,
  outcome: (status: CallStatus, facts: StreamFacts | null, extra?: Partial<CallOutcome>) => CallOutcome,
): Response {
  const { start } = pending
  const accumulator = createStreamAccumulator(start.style, { injectedUsage: pending.injectedUsage })
  let firstTextPerf: number | null = null
  const metered: MeteredBody = meterSseBody(response.body!, {
    accumulator,
    filter: pending.injectedUsage,
    signal,
    hooks: {
      onFirstText: () => {
        firstTextPerf = performance.now()
      },
      onEnd: (how: StreamEnd, error?: unknown) => {
        core.streams.delete(metered)
        const facts = accumulator.facts()
        // A caller that stops after the final usage arrived has the whole answer: that call is ok.
        const status: CallStatus =
          how === 'complete' || facts.finalUsage ? (facts.errorType ? 'error' : 'ok') : 'aborted'
        settle(
          core,
          start,
          outcome(status, facts, {
            errorType: facts.errorType ?? (how === 'broken' ? thrownType(error) : null),
            partial: status === 'aborted',
            firstTextPerf,
          }),
        )
      },
      onAccumulatorError: (error: unknown) => core.report(error, { phase: 'record', callId: start.id }),
    },
  })
  core.streams.add(metered)
  return new Response(metered.body, { status: response.status, statusText: response.statusText, headers: response.headers })
}

/** Runs a body read off the caller's path, tracked so flush() can wait for its record. */
function background(core: MeterCore, callId: string, work: () => Promise<void>): void {
  const task: Promise<void> = work()
    .catch((error: unknown) => core.report(error, { phase: 'record', callId }))
    .finally(() => core.reads.delete(task))
  core.reads.add(task)
}

/** Builds the record and queues it; never throws. */
function settle(core: MeterCore, start: CallStart, outcome: CallOutcome): void {
  try {
    core.queue.push(core.builder.build(start, outcome))
  } catch (error) {
    core.report(error, { phase: 'record', callId: start.id })
  }
}

function isAbortError(error: unknown): boolean {
  return error instanceof Error && (error.name === 'AbortError' || error.name === 'TimeoutError')
}

/** A short name for a thrown error: the system code of its cause when there is one (ECONNREFUSED). */
export function thrownType(error: unknown): string {
  if (!(error instanceof Error)) return 'network_error'
  const cause = (error as { cause?: unknown }).cause
  const causeCode = cause && typeof cause === 'object' ? (cause as { code?: unknown }).code : undefined
  if (typeof causeCode === 'string') return causeCode
  const code = (error as { code?: unknown }).code
  if (typeof code === 'string') return code
  return error.name
}
