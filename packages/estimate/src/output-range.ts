/**
 * Output tokens are unknown before a batch runs, so each request gets an explicit range:
 * - high: the request's `max_completion_tokens` / `max_tokens` / `max_output_tokens`, else the
 *   model's maximum output from the pricing table, else what the context window leaves after the
 *   prompt, else FALLBACK_MAX_OUTPUT (flagged). It is a hard bound: the API stops there.
 * - expected: the median output of the model's successful calls in the ledger. When at least
 *   MIN_HISTORY_CALLS of those calls had a prompt of a similar size (same power of two of input
 *   tokens), their median is used instead: the "prompt shape". Without enough history, a
 *   documented default.
 * - low: the 10th percentile of the same history, or a documented default.
 * Each is capped by the request's high, and multiplied by `n` (choices). Summing per-request lows
 * and highs gives a deliberately wide batch range: it assumes every request lands at that end.
 *
 * Defaults without history (rules of thumb, not measurements): a chat answer of a few hundred
 * tokens, low 50, expected 300; reasoning models think before answering and bill the thinking as
 * output, so low 300, expected 2,000, and the range says that thinking tokens widen it.
 */
import type { ModelHistory } from './ledger-history.js'

/** Ledger calls needed before history replaces the defaults (per model, and per prompt size). */
export const MIN_HISTORY_CALLS = 20
/** The bound used when neither the request nor the model data gives one. */
export const FALLBACK_MAX_OUTPUT = 32_768
/** Defaults without history. */
export const DEFAULT_OUTPUT = {
  standard: { low: 50, expected: 300 },
  reasoning: { low: 300, expected: 2000 },
} as const

/** A low / expected / high triple of token counts. */
export interface TokenRange {
  low: number
  expected: number
  high: number
}

/** Where the low and expected outputs of a model come from. */
export interface OutputModel {
  source: 'ledger' | 'default'
  /** Ledger calls behind the model-level figures (0 for defaults). */
  calls: number
  low: number
  expected: number
  /** Prompt-size buckets (floor(log2(input tokens))) with enough history of their own. */
  bySize: Map<number, { low: number; expected: number; calls: number }>
  reasoning: boolean
  note: string
}

/** The output model of one model, from its history (or null without a ledger). */
export function outputModelFrom(history: ModelHistory | null, reasoning: boolean): OutputModel {
  const defaults = reasoning ? DEFAULT_OUTPUT.reasoning : DEFAULT_OUTPUT.standard
  const bySize = new Map<number, { low: number; expected: number; calls: number }>()
  const sample = history?.sample.output ?? []
  if (!history || sample.length < MIN_HISTORY_CALLS) {
    const why = history
      ? `${history.matchingCalls} ledger call(s), ${MIN_HISTORY_CALLS} needed`
      : 'no ledger'
    return {
      source: 'default',
      calls: 0,
      ...defaults,
      bySize,
      reasoning,
      note: `default output (${why}): low ${defaults.low}, expected ${defaults.expected}`,
    }
  }
  const groups = new Map<number, number[]>()
  sample.forEach((output, index) => {
    const bucket = sizeBucket(history.sample.input[index] ?? 0)
    const list = groups.get(bucket) ?? []
    list.push(output)
    groups.set(bucket, list)
  })
  for (const [bucket, outputs] of groups) {
    if (outputs.length >= MIN_HISTORY_CALLS) {
      const sorted = outputs.sort((a, b) => a - b)
      bySize.set(bucket, {
        low: percentile(sorted, 10),
        expected: percentile(sorted, 50),
        calls: sorted.length,
      })
    }
  }
  const sorted = [...sample].sort((a, b) => a - b)
  const low = percentile(sorted, 10)
  const expected = percentile(sorted, 50)
  return {
    source: 'ledger',
    calls: history.matchingCalls,
    low,
    expected,
    bySize,
    reasoning,
    note: `ledger: ${history.matchingCalls} calls, p10 ${low}, median ${expected} output tokens${bySize.size > 0 ? `, by prompt size in ${bySize.size} size band(s)` : ''}`,
  }
}

/** The power-of-two band of a prompt size: 1,000 and 1,500 tokens share band 9 (512-1,023)... */
export function sizeBucket(inputTokens: number): number {
  return Math.floor(Math.log2(Math.max(1, inputTokens)))
}

/** Nearest-rank percentile of an ascending list (non-empty). */
export function percentile(sorted: readonly number[], p: number): number {
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length))
  return sorted[Math.min(sorted.length, rank) - 1]!
}

/** What bounds one request's output. */
export interface OutputBounds {
  inputTokens: number
  maxOutputTokens: number | null
  choices: number
  /** The model's maximum output from the pricing table, when known. */
  modelMaxOutput: number | null
  /** The model's context window, when known. */
  contextWindow: number | null
}

/** The output range of one request, and whether its high had to fall back to FALLBACK_MAX_OUTPUT. */
export function outputRange(
  model: OutputModel,
  bounds: OutputBounds,
): TokenRange & { highAssumed: boolean; bySize: boolean } {
  let high = bounds.maxOutputTokens ?? bounds.modelMaxOutput
  let highAssumed = false
  if (high === null && bounds.contextWindow !== null)
    high = Math.max(1, bounds.contextWindow - bounds.inputTokens)
  if (high === null) {
    high = FALLBACK_MAX_OUTPUT
    highAssumed = true
  }
  const band = model.bySize.get(sizeBucket(bounds.inputTokens))
  const low = Math.min(high, band?.low ?? model.low)
  const expected = Math.min(high, band?.expected ?? model.expected)
  const n = bounds.choices
  return {
    low: low * n,
    expected: expected * n,
    high: high * n,
    highAssumed,
    bySize: band !== undefined,
  }
}
