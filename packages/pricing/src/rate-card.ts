import type { ModelData, ProviderData, RateCardData, Rates, ServiceTier } from './schema.js'

/** Which card priced a call, with the variant that applied. */
export interface CardRef {
  /** Stable reference stored in the ledger: `provider/model@from[+tier>N][+window:name][+serviceTier][+region:R]`. */
  id: string
  provider: string
  model: string
  /** Effective date-time, ISO UTC. */
  from: string
  source: string
  checked: string
  /** Prompt-size threshold of the tier that applied. */
  tier?: number
  /** Name of the time window that applied. */
  window?: string
  serviceTier?: ServiceTier
  /** The region whose prices applied. */
  region?: string
}

/** A card of the table with its `from` parsed once at load time. */
export interface IndexedCard {
  data: RateCardData
  fromMs: number
  fromIso: string
}

/** A model with its cards sorted by `from`, ascending. */
export interface IndexedModel {
  provider: ProviderData
  model: ModelData
  cards: IndexedCard[]
}

/**
 * The card in force at `at`: the one with the latest `from` that is not after `at`.
 * Null before the first card, or when the model has no card (price unknown).
 */
export function cardInForce(model: IndexedModel, atMs: number): IndexedCard | null {
  const { cards } = model
  for (let index = cards.length - 1; index >= 0; index--) {
    const card = cards[index]!
    if (card.fromMs <= atMs) return card
  }
  return null
}

/** Rates of a card for a request, after its tier, window and service tier are applied. */
export interface EffectiveRates {
  rates: Rates
  tier?: number
  window?: string
  serviceTier?: ServiceTier
  region?: string
}

export function cardRefId(
  provider: string,
  model: string,
  fromIso: string,
  variant: Omit<EffectiveRates, 'rates'>,
): string {
  let id = `${provider}/${model}@${fromIso}`
  if (variant.tier !== undefined) id += `+tier>${variant.tier}`
  if (variant.window !== undefined) id += `+window:${variant.window}`
  if (variant.serviceTier !== undefined && variant.serviceTier !== 'standard')
    id += `+${variant.serviceTier}`
  if (variant.region !== undefined) id += `+region:${variant.region}`
  return id
}
