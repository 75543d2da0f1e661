/**
 * OpenRouter usage: OpenAI's chat shape (cached tokens inside `prompt_tokens`, reasoning inside
 * `completion_tokens`) plus `prompt_tokens_details.cache_write_tokens` for providers that bill
 * cache writes, and OpenRouter's own bill: `usage.cost` in USD credits, `usage.is_byok` and
 * `usage.cost_details.upstream_inference_cost`. The upstream that served the call is the
 * top-level `provider` field of the response (read by the response reader, not here).
 */
import { picoFromReported } from '@tokenledger/pricing'
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

/**
 * The cost a provider reports inside `usage`, in picodollars, or null when there is none.
 * `usage.cost` may be a JSON number (OpenRouter) or a decimal string (DeepSeek-style APIs).
 * With BYOK (`is_byok: true`) OpenRouter's `cost` is only its own fee and the upstream bills
 * `cost_details.upstream_inference_cost` separately, so the call cost is their sum.
 */
export function readReportedCost(raw: unknown): bigint | null {
  const usage = asRecord(raw)
  if (!usage) return null
  const cost = picoFromReported(usage['cost'])
  if (cost === null) return null
  if (usage['is_byok'] === true) {
    const upstream = picoFromReported(asRecord(usage['cost_details'])?.['upstream_inference_cost'])
    if (upstream !== null) return cost + upstream
  }
  return cost
}
