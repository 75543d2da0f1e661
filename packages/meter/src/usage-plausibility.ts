/**
 * A usage the meter stores as reported but cannot believe: more prompt or output tokens than the
 * model's context window (a billion prompt tokens on a 128k model). Such a record is kept, since
 * the provider may bill it, and reported through onError so a person looks at it.
 */
import type { PricingTable } from '@tokenledger/pricing'
import type { CallRecord } from '@tokenledger/store'

/**
 * The bound for models whose context window the pricing table does not know: ten times the
 * largest window in the bundled table (about 1M tokens), generous on purpose.
 */
export const UNKNOWN_MODEL_MAX_TOKENS = 10_000_000

/** What is implausible about the record's usage, or null when nothing is. */
export function implausibleUsage(prices: PricingTable, record: CallRecord): string | null {
  const model = record.model ?? record.servedModel ?? record.requestedModel
  const window = prices.resolveModel(record.provider, model)?.model.contextWindow
  const limit = window ?? UNKNOWN_MODEL_MAX_TOKENS
  const what =
    window === undefined
      ? `${limit} tokens (bound for a model of unknown context)`
      : `the ${limit}-token context window of ${model}`
  const { inputTokens, outputTokens } = record.usage
  if (inputTokens > limit) return `${inputTokens} input tokens exceed ${what}`
  if (outputTokens > limit) return `${outputTokens} output tokens exceed ${what}`
  return null
}
