/**
 * DeepSeek usage: OpenAI's chat shape plus `prompt_cache_hit_tokens` and
 * `prompt_cache_miss_tokens`, which split `prompt_tokens` (hit + miss = prompt). The hit count is
 * the cache read; it is the same figure as `prompt_tokens_details.cached_tokens` when both are
 * present, so it is never added to it (that would count the cache twice). Thinking mode reports
 * `completion_tokens_details.reasoning_tokens`, a part of `completion_tokens`.
 *
 * @example
 * // {"prompt_tokens":18,"completion_tokens":345,"prompt_cache_hit_tokens":0,
 * //  "prompt_cache_miss_tokens":18,"completion_tokens_details":{"reasoning_tokens":315}}
 * // -> inputTokens 18, cacheReadTokens 0 (reported), outputTokens 345, reasoningTokens 315
 */
import type { MeteredUsage } from '@tokenledger/pricing'
import { openAiFigures } from './openai-chat.js'
import {
  asRecord,
  buildUsage,
  derived,
  missingUsage,
  readCount,
  reported,
  type NormaliseUsage,
} from './normalise-usage.js'

/** Normalises a DeepSeek chat-completions usage. */
export const normaliseDeepSeekUsage: NormaliseUsage = function normaliseDeepSeekUsage(
  raw: unknown,
): MeteredUsage {
  const usage = asRecord(raw)
  if (!usage) return missingUsage()
  const figures = openAiFigures(usage)
  const hit = readCount(usage, 'prompt_cache_hit_tokens')
  const miss = readCount(usage, 'prompt_cache_miss_tokens')
  // DeepSeek's own split is what it bills by, so it wins over the OpenAI-compatible detail.
  if (hit !== undefined) figures.cacheReadTokens = reported(hit)
  if (figures.inputTokens.provenance === 'missing' && hit !== undefined && miss !== undefined) {
    figures.inputTokens = derived(hit + miss)
  }
  return buildUsage(figures)
}
