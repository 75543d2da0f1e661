/**
 * The cost a provider reports for a call, beside the one the meter computes: OpenRouter's
 * `usage.cost` (with its BYOK split) and the decimal-string `cost` some DeepSeek-style APIs send.
 * It is read from the raw usage whatever the call's usage style, so it lives apart from the
 * normalisers.
 */
import { picoFromReported } from '@tokenledger/pricing'
import { asRecord } from './json-fields.js'

/**
 * The cost a provider reports inside `usage`, in picodollars, or null when there is none.
 * `usage.cost` may be a JSON number (OpenRouter) or a decimal string (DeepSeek-style APIs).
 * With BYOK (`is_byok: true`) OpenRouter's `cost` is only its own fee and the upstream bills
 * `cost_details.upstream_inference_cost` separately, so the call cost is their sum.
 * @example readReportedCost({ cost: 0.0001073 }) // 107_300_000n
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
