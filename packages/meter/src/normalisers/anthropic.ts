/**
 * Anthropic Messages usage. Unlike OpenAI, `input_tokens` EXCLUDES the cache:
 * total input = `input_tokens + cache_creation_input_tokens + cache_read_input_tokens`.
 * Cache writes may be split by TTL in `cache_creation.{ephemeral_5m_input_tokens,
 * ephemeral_1h_input_tokens}`; thinking tokens are inside `output_tokens` and not reported apart.
 * In streams `message_delta.usage` is cumulative: the stream reader keeps the latest value of each
 * field and hands the merged object here (summing the deltas would count tokens twice).
 *
 * @example
 * // {"input_tokens":100,"cache_read_input_tokens":900,"cache_creation_input_tokens":0,"output_tokens":50}
 * // -> inputTokens 1000 (derived), cacheReadTokens 900, outputTokens 50
 */
import type { MeteredUsage } from '@tokenledger/pricing'
import {
  asRecord,
  buildUsage,
  derived,
  MISSING,
  missingUsage,
  readCount,
  reported,
  type NormaliseUsage,
} from './normalise-usage.js'

/** Normalises an Anthropic Messages usage. */
export const normaliseAnthropicUsage: NormaliseUsage = function normaliseAnthropicUsage(
  raw: unknown,
): MeteredUsage {
  const usage = asRecord(raw)
  if (!usage) return missingUsage()
  const fresh = readCount(usage, 'input_tokens')
  const cacheRead = readCount(usage, 'cache_read_input_tokens')
  const split = asRecord(usage['cache_creation'])
  const write5m = readCount(split, 'ephemeral_5m_input_tokens')
  const write1h = readCount(split, 'ephemeral_1h_input_tokens')
  const reportedWrite = readCount(usage, 'cache_creation_input_tokens')
  // Without the total, the TTL split (when present) adds up to it.
  const splitWrite =
    write5m !== undefined || write1h !== undefined ? (write5m ?? 0) + (write1h ?? 0) : undefined
  const cacheWrite = reportedWrite ?? splitWrite
  const cacheWriteFigure =
    reportedWrite !== undefined ? reported(reportedWrite) : derived(splitWrite)

  let inputTokens = MISSING
  if (fresh !== undefined) {
    inputTokens =
      cacheRead === undefined && cacheWrite === undefined
        ? reported(fresh)
        : derived(fresh + (cacheRead ?? 0) + (cacheWrite ?? 0))
  }
  return buildUsage({
    inputTokens,
    cacheReadTokens: reported(cacheRead),
    cacheWriteTokens: cacheWriteFigure,
    cacheWrite1hTokens: write1h,
    outputTokens: reported(readCount(usage, 'output_tokens')),
    reasoningTokens: MISSING,
  })
}
