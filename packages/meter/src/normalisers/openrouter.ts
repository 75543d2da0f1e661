/**
 * OpenRouter usage: OpenAI's chat shape (cached tokens inside `prompt_tokens`, reasoning inside
 * `completion_tokens`) plus `prompt_tokens_details.cache_write_tokens` for providers that bill
 * cache writes, and OpenRouter's own bill: `usage.cost` in USD credits, `usage.is_byok` and
 * `usage.cost_details.upstream_inference_cost` (read by reported-cost.ts). The upstream that served the call is the
 * top-level `provider` field of the response (read by the response reader, not here).
 */
import type { MeteredUsage } from '@tokenledger/pricing'
import { openAiFigures } from './openai-chat.js'
import { asRecord } from '../json-fields.js'
import { buildUsage, missingUsage, type NormaliseUsage } from './normalise-usage.js'

/** Normalises an OpenRouter chat-completions usage. */
export const normaliseOpenRouterUsage: NormaliseUsage = function normaliseOpenRouterUsage(
  raw: unknown,
): MeteredUsage {
  const usage = asRecord(raw)
  return usage ? buildUsage(openAiFigures(usage)) : missingUsage()
}
