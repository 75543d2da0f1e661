/**
 * What the ledger remembers about a model, read once per model before its requests are estimated:
 * a sample of (input, output) token pairs of its successful calls, and the sums that calibrate
 * approximate input counts (see calibration.ts).
 *
 * The estimator depends on the shape of the store, not on the store: `LedgerStore` from
 * @tokenledger/store satisfies `LedgerHistorySource`.
 */
import { DAY_MS } from '@tokenledger/pricing'
import { COUNTED_INPUT_TAG } from './calibration.js'

/** The ledger query the estimator sends (a subset of the store's LedgerQuery). */
export interface HistoryQuery {
  model?: string
  since?: Date
  until?: Date
  status?: 'ok'
}

/** The fields of a call record the estimator reads (a subset of the store's CallRecord). */
export interface HistoryCall {
  usage: { inputTokens: number; outputTokens: number }
  tags: Record<string, string>
}

/** Where the history comes from: a ledger store. */
export interface LedgerHistorySource {
  iterateCalls(query: HistoryQuery, batchSize?: number): AsyncIterable<HistoryCall[]>
}

/** Which calls to learn from. */
export interface HistoryOptions {
  /** Only calls at or after this instant (default: 90 days before `until`). */
  since?: Date
  /** Only calls before this instant (default: now). */
  until?: Date
  /** Only calls carrying all these tags count for OUTPUT statistics (calibration uses every call). */
  tags?: Record<string, string>
  /** Most (input, output) pairs kept (default 20,000): a uniform sample beyond that. */
  sampleSize?: number
}

/** The history of one model. */
export interface ModelHistory {
  model: string
  /** Successful calls of the model in the window (all tags). */
  calls: number
  /** Calls that matched the tag filter (= `calls` without one). */
  matchingCalls: number
  /** A uniform sample of the matching calls: input and output tokens, same index = same call. */
  sample: { input: number[]; output: number[] }
  /** Calls that carry the counted-input tag, and their summed reported and counted input tokens. */
  calibration: { calls: number; reportedInput: number; countedInput: number }
}

/** Default look-back of the history: 90 days. */
export const DEFAULT_HISTORY_DAYS = 90

/**
 * Reads a model's history from the ledger in one pass.
 * @param model the canonical model id (the ledger's `model` column)
 */
export async function readModelHistory(
  source: LedgerHistorySource,
  model: string,
  options: HistoryOptions = {},
): Promise<ModelHistory> {
  const until = options.until ?? new Date()
  const since = options.since ?? new Date(until.getTime() - DEFAULT_HISTORY_DAYS * DAY_MS)
  const capacity = options.sampleSize ?? 20_000
  const tags = Object.entries(options.tags ?? {})
  const history: ModelHistory = {
    model,
    calls: 0,
    matchingCalls: 0,
    sample: { input: [], output: [] },
    calibration: { calls: 0, reportedInput: 0, countedInput: 0 },
  }
  // A fixed seed: the same ledger gives the same estimate.
  const random = mulberry32(0x5eed)
  for await (const batch of source.iterateCalls({ model, since, until, status: 'ok' })) {
    for (const call of batch) {
      history.calls++
      const counted = Number(call.tags[COUNTED_INPUT_TAG])
      if (Number.isSafeInteger(counted) && counted > 0) {
        history.calibration.calls++
        history.calibration.reportedInput += call.usage.inputTokens
        history.calibration.countedInput += counted
      }
      if (!tags.every(([key, value]) => call.tags[key] === value)) continue
      history.matchingCalls++
      // Reservoir sampling (Algorithm R): every matching call has the same chance to be kept.
      if (history.sample.output.length < capacity) {
        history.sample.input.push(call.usage.inputTokens)
        history.sample.output.push(call.usage.outputTokens)
      } else {
        const slot = Math.floor(random() * history.matchingCalls)
        if (slot < capacity) {
          history.sample.input[slot] = call.usage.inputTokens
          history.sample.output[slot] = call.usage.outputTokens
        }
      }
    }
  }
  return history
}

function mulberry32(seed: number): () => number {
  let state = seed >>> 0
  return () => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}
