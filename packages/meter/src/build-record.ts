/**
 * Turns what the meter saw of one call into a ledger `CallRecord`: normalise the usage, fill gaps
 * with flagged estimates, price it exactly with the card in force when the call started, and keep
 * the provider's own cost beside ours.
 *
 * Failed calls (an HTTP error status, a network error) are not billed by providers: they carry a
 * usage of zeros flagged `'missing'` and, for a known model, a cost of exactly 0 with the card that
 * would have priced them. Unknown models are unpriced (cost null), never 0.
 */
import {
  type CallToPrice,
  type MeteredUsage,
  priceCall,
  type PricingTable,
  resolveCallModel,
  type UsageStyle,
  usdFromPico,
} from '@tokenledger/pricing'
import type { CallRecord, CallStatus, Tags } from '@tokenledger/store'
import { estimatePromptTokens, fillEstimates, textChars } from './estimate-tokens.js'
import { missingUsage } from './normalisers/normalise-usage.js'
import { NORMALISERS } from './normalisers/normaliser-for.js'
import { readReportedCost } from './reported-cost.js'
import type { CallProvider } from './provider-detect.js'
import type { RequestFacts } from './read-request.js'
import type { StreamFacts } from './stream/stream-accumulator.js'

/** What is known when a call starts. */
export interface CallStart {
  id: string
  /** Epoch milliseconds. */
  startedAt: number
  /** `performance.now()` at the start, for latency. */
  startPerf: number
  provider: CallProvider
  style: UsageStyle
  request: RequestFacts
  tags: Tags
}

/** How a call ended. */
export interface CallOutcome {
  status: CallStatus
  httpStatus: number | null
  errorType: string | null
  /** What the response said (null when there was no response body to read). */
  facts: StreamFacts | null
  /** The usage already normalised from `facts` (see `normaliseNow`); normalised at build otherwise. */
  usage?: MeteredUsage
  /** The reported cost already read from `facts`, in picodollars. */
  reportedPico?: bigint | null
  /** The stream stopped before its end: reported counts are running counts. */
  partial: boolean
  requestId: string | null
  endPerf: number
  firstTextPerf: number | null
}

/** Reports a failure without throwing (the meter's onError). */
export type ReportError = (error: unknown, context: { phase: 'price'; callId: string }) => void

/** Builds records; holds the model-resolution cache. */
export class RecordBuilder {
  readonly #table: PricingTable
  readonly #report: ReportError

  constructor(table: PricingTable, report: ReportError) {
    this.#table = table
    this.#report = report
  }

  /** The record of a finished call. */
  build(start: CallStart, outcome: CallOutcome): CallRecord {
    const { facts } = outcome
    const usage = this.#usage(start, outcome)
    const reported =
      outcome.reportedPico !== undefined
        ? outcome.reportedPico
        : facts
          ? readReportedCost(facts.usage)
          : null
    const servedModel = facts?.servedModel ?? null
    const serviceTier = facts?.serviceTier ?? null
    const toPrice: CallToPrice = {
      provider: start.provider.id,
      requestedModel: start.request.model,
      servedModel,
      at: new Date(start.startedAt),
      usage,
      serviceTier,
    }
    // One rule for the model and the price of a call, shared with reprice and the dashboard.
    const resolved = start.provider.known ? resolveCallModel(this.#table, toPrice) : null

    let cost: CallRecord['cost'] = null
    let costBreakdown: CallRecord['costBreakdown'] = null
    let cacheSavings: CallRecord['cacheSavings'] = null
    let card: string | null = null
    if (resolved) {
      try {
        const priced = priceCall(this.#table, toPrice).cost
        if (priced) {
          cost = priced.total
          costBreakdown = priced.breakdown
          cacheSavings = priced.cacheSavings
          card = priced.card.id
        }
      } catch (error) {
        this.#report(error, { phase: 'price', callId: start.id })
      }
    }
    return {
      id: start.id,
      timestamp: new Date(start.startedAt).toISOString(),
      provider: start.provider.id,
      requestedModel: start.request.model,
      servedModel,
      model: resolved?.model.id ?? null,
      upstreamProvider: facts?.upstreamProvider ?? null,
      endpoint: start.request.endpoint,
      stream: start.request.stream,
      status: outcome.status,
      httpStatus: outcome.httpStatus,
      errorType: outcome.errorType,
      usage,
      cost,
      costBreakdown,
      cacheSavings,
      card,
      reportedCost: reported === null ? null : usdFromPico(reported),
      latencyMs: Math.max(0, Math.round(outcome.endPerf - start.startPerf)),
      timeToFirstTokenMs:
        outcome.firstTextPerf === null
          ? null
          : Math.max(0, Math.round(outcome.firstTextPerf - start.startPerf)),
      requestId: outcome.requestId ?? facts?.responseId ?? null,
      serviceTier,
      tags: start.tags,
    }
  }

  /**
   * Normalises a response's usage and reported cost now, into the outcome, so a record built later
   * does not depend on the caller leaving the parsed body it was handed untouched.
   */
  static normaliseNow(style: UsageStyle, outcome: CallOutcome): CallOutcome {
    if (outcome.facts) {
      outcome.usage = NORMALISERS[style](outcome.facts.usage)
      outcome.reportedPico = readReportedCost(outcome.facts.usage)
    }
    return outcome
  }

  #usage(start: CallStart, outcome: CallOutcome): MeteredUsage {
    const { facts } = outcome
    if (!facts) {
      // No response: nothing billed, unless the caller gave up waiting (the prompt was sent).
      const usage = missingUsage()
      if (outcome.status !== 'aborted') return usage
      return fillEstimates(
        usage,
        { promptTokens: estimatePromptTokens(start.request.body), textChars: 0, reasoningChars: 0 },
        true,
      )
    }
    const usage = outcome.usage ?? NORMALISERS[start.style](facts.usage)
    if (outcome.status === 'error' && !outcome.partial && facts.usage == null) return usage
    const needsEstimate =
      outcome.partial ||
      usage.provenance.inputTokens === 'missing' ||
      usage.provenance.outputTokens === 'missing'
    if (!needsEstimate) return usage
    const promptTokens = readsPrompt(usage) ? estimatePromptTokens(start.request.body) : 0
    facts.countDeferred?.()
    const seenChars = facts.answer !== undefined ? textChars(facts.answer) : facts.textChars
    return fillEstimates(
      usage,
      { promptTokens, textChars: seenChars, reasoningChars: facts.reasoningChars },
      outcome.partial,
    )
  }
}

/**
 * Whether a record with this usage estimates its input from the prompt (the only part of a
 * response's record that reads the request body): when the provider reported no input tokens.
 */
export function readsPrompt(usage: MeteredUsage): boolean {
  return usage.provenance.inputTokens === 'missing'
}
