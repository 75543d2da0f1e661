import { TokenledgerError } from './errors.js'
import { formatScaled, parseScaled, RATE_DECIMALS } from './money.js'
import type { EffectiveRates } from './rate-card.js'
import type { RateCardData, Rates, ServiceTier } from './schema.js'
import { isInWindow } from './time-window.js'

/** What about a request selects a card's variant. */
export interface RequestContext {
  /** Prompt tokens of the request, cached ones included (selects a prompt-size tier). */
  promptTokens: number
  at: Date
  serviceTier?: ServiceTier
  /** The region the request was served in (Bedrock `us`, Vertex `europe-west4`...); global when absent. */
  region?: string
}

/**
 * Applies a card's variants to a request, in this order:
 * 1. prompt-size tier: the highest `above` the prompt exceeds. The WHOLE request takes the tier's
 *    rates, not only the tokens past the threshold. Gemini 2.5 Pro: a 250k-token prompt is billed
 *    entirely at 2.50/M input (not 200k at 1.25 and 50k at 2.50);
 * 2. time window: the first window the instant falls in. A window with a `multiplier` multiplies the
 *    tier-selected rates, so both apply; a window with explicit `rates` replaces them, so the window
 *    wins over the tier (explicit window rates are the provider's whole price list for those hours).
 *    A card with a 128k tier and a peak window x2: a 200k-token prompt at peak pays 2 x the tier rate;
 *    with a window of explicit rates it pays the window's rates whatever its size;
 * 3. service tier: explicit rates, or a multiplier on the rates chosen so far (OpenAI Batch: 0.5);
 * 4. region: explicit rates, or a multiplier on the rates so far (Bedrock regional endpoints: 1.1).
 *    A region the card does not list pays the rates so far (cards list only regions that differ).
 * Returns null when a service tier is asked that the card does not offer.
 */
export function effectiveRates(card: RateCardData, context: RequestContext): EffectiveRates | null {
  const result: EffectiveRates = { rates: card.rates }
  let bestTier: number | undefined
  for (const tier of card.tiers ?? []) {
    if (context.promptTokens > tier.above && (bestTier === undefined || tier.above > bestTier)) {
      bestTier = tier.above
      result.rates = tier.rates
      result.tier = tier.above
    }
  }
  for (const window of card.windows ?? []) {
    if (isInWindow(window, context.at)) {
      result.rates = window.rates ?? multiplyRates(result.rates, window.multiplier!)
      result.window = window.name
      break
    }
  }
  const serviceTier = context.serviceTier
  if (serviceTier && serviceTier !== 'standard') {
    const variant = card.serviceTiers?.[serviceTier]
    if (!variant) return null
    result.rates =
      'rates' in variant ? variant.rates : multiplyRates(result.rates, variant.multiplier)
    result.serviceTier = serviceTier
  }
  const region = context.region === undefined ? undefined : card.regions?.[context.region]
  if (region) {
    result.rates = 'rates' in region ? region.rates : multiplyRates(result.rates, region.multiplier)
    result.region = context.region!
  }
  return result
}

const RATE_KEYS = [
  'input',
  'output',
  'cacheRead',
  'cacheWrite5m',
  'cacheWrite1h',
  'reasoning',
  'audioInput',
  'imageInput',
  'audioOutput',
  'request',
] as const

/**
 * Multiplies every rate exactly. The product must still fit 6 decimal places; a table whose
 * multiplier breaks that is rejected at load time (see validateMultipliers), so this never rounds.
 */
export function multiplyRates(rates: Rates, multiplier: string): Rates {
  // Memoised per rates object, so a hot card's products (and their parsed form) are computed once.
  let byFactor = productCache.get(rates)
  const known = byFactor?.get(multiplier)
  if (known) return known
  const product = multiplyRatesOnce(rates, multiplier)
  if (!byFactor) productCache.set(rates, (byFactor = new Map()))
  byFactor.set(multiplier, product)
  return product
}

const productCache = new WeakMap<Rates, Map<string, Rates>>()

function multiplyRatesOnce(rates: Rates, multiplier: string): Rates {
  const factor = parseScaled(multiplier, RATE_DECIMALS)
  const scale = 10n ** BigInt(RATE_DECIMALS)
  const out: Record<string, string> = {}
  for (const key of RATE_KEYS) {
    const rate = rates[key]
    if (rate === undefined) continue
    const product = parseScaled(rate, RATE_DECIMALS) * factor
    if (product % scale !== 0n) {
      throw new TokenledgerError(
        'PRICING_INVALID',
        `${key} ${rate} x ${multiplier} has more than ${RATE_DECIMALS} decimal places; give explicit service-tier rates instead`,
      )
    }
    out[key] = formatScaled(product / scale, RATE_DECIMALS)
  }
  return out as Rates
}
