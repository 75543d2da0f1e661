/**
 * Prices a model's accumulated brackets at every provider that serves it, for every price option
 * (standard, batch, flex, time windows), as a low / expected / high range plus the separate effect
 * of automatic prefix caching.
 *
 * The pricing engine does all the price selection: `table.price()` on a bracket's representative
 * prompt picks the card in force, the prompt-size tier, the time window and the service tier, and
 * returns the rates it applied; `computeCost()` then prices the bracket's SUMS at those rates.
 * Money stays exact (bigint picodollars) from end to end.
 */
import {
  computeCost,
  type PricingTable,
  type ServiceTier,
  type Usage,
  type Usd,
  usdFromPico,
} from '@tokenledger/pricing'
import type { Bracket, ModelState } from './model-state.js'
import { type PriceOptionsFilter, priceOptions } from './price-options.js'
import { type CachingPolicy, cachingPolicy } from './prefix-cache.js'

/** A low / expected / high range of USD amounts. */
export interface CostRange {
  low: Usd
  expected: Usd
  high: Usd
}

/** What a shared prompt prefix would save at one provider, reported apart from the range. */
export interface CacheEffect {
  /** `automatic`: estimated; `explicit` (needs cache_control), `unknown`, `none`: not estimated. */
  policy: CachingPolicy['kind']
  note: string
  /** Prompt tokens the cache would serve (0 when not estimated). */
  cachedTokens: number
  /** Saving on the expected cost; null when not estimated. */
  savings: Usd | null
  /** The expected cost with those cache reads; null when not estimated. */
  expectedWithCache: Usd | null
}

/** The cost of the batch's requests of one model at one provider, one way. */
export interface ProviderEstimate {
  provider: string
  providerName: string
  /** Canonical model id. */
  model: string
  /** `standard`, `batch`, `flex`, or a time window's name. */
  option: string
  serviceTier: ServiceTier
  /** The instant priced at (ISO). */
  at: string
  /** Null when no price is known (no card in force): never zero. */
  cost: CostRange | null
  /** The rate cards that priced it (`provider/model@from[+variant]`), one per prompt-size tier used. */
  cards: string[]
  cacheEffect: CacheEffect
  notes: string[]
}

interface PicoRange {
  low: bigint
  expected: bigint
  high: bigint
}

/** Every provider row of one model, cheapest expected cost first, unpriced rows last. */
export function priceModel(
  state: ModelState,
  table: PricingTable,
  at: Date,
  filter: PriceOptionsFilter,
): ProviderEstimate[] {
  if (state.canonical === null) return []
  const rows: Array<ProviderEstimate & { sortKey: bigint | null }> = []
  for (const { provider, model } of state.serving) {
    const { options, notes } = priceOptions(table, provider.id, model.id, at, filter)
    const seen = new Set<string>()
    for (const option of options) {
      const priced = priceOption(state, table, provider.id, model.id, option.at, option.serviceTier)
      const key = priced ? priced.cards.join(' ') : `${option.label}:unpriced`
      if (seen.has(key)) continue
      seen.add(key)
      const rowNotes = [...notes]
      if (!priced) rowNotes.push('no price known at this instant: unpriced, not zero')
      rows.push({
        provider: provider.id,
        providerName: provider.name,
        model: model.id,
        option: option.label,
        serviceTier: option.serviceTier,
        at: option.at.toISOString(),
        cost: priced ? toUsd(priced.cost) : null,
        cards: priced?.cards ?? [],
        cacheEffect: priced?.cacheEffect ?? notEstimated('none', 'no price known'),
        notes: rowNotes,
        sortKey: priced?.cost.expected ?? null,
      })
    }
  }
  rows.sort((a, b) => {
    if (a.sortKey === null || b.sortKey === null)
      return a.sortKey === b.sortKey ? 0 : a.sortKey === null ? 1 : -1
    return a.sortKey < b.sortKey ? -1 : a.sortKey > b.sortKey ? 1 : 0
  })
  return rows.map(({ sortKey: _sortKey, ...row }) => row)
}

function priceOption(
  state: ModelState,
  table: PricingTable,
  provider: string,
  model: string,
  at: Date,
  serviceTier: ServiceTier,
): { cost: PicoRange; cards: string[]; cacheEffect: CacheEffect } | null {
  const cost: PicoRange = { low: 0n, expected: 0n, high: 0n }
  let withCache = 0n
  let cached = 0
  const cards = new Set<string>()
  let policy: CachingPolicy | null = null
  for (const bracket of state.brackets.values()) {
    // The engine selects card, tier, window and service tier for a prompt of this bracket's size.
    const probe = table.price({
      provider,
      model,
      at,
      serviceTier,
      usage: usage(bracket.representativeInput, 0, 0),
    })
    if (!probe) return null
    cards.add(probe.card.id)
    policy ??= cachingPolicy(state.choice.family, probe.rates)
    const price = (input: number, cacheRead: number, output: number) =>
      computeCost(usage(input, cacheRead, output), probe.rates, probe.card).totalPico
    cost.low += price(bracket.inputTokens, 0, bracket.output.low)
    cost.expected += price(bracket.inputTokens, 0, bracket.output.expected)
    cost.high += price(bracket.inputTokens, 0, bracket.output.high)
    if (policy.kind === 'automatic') {
      const tokens = cachedTokensOf(bracket, policy)
      cached += tokens
      withCache += price(bracket.inputTokens, tokens, bracket.output.expected)
    }
  }
  if (policy === null) return { cost, cards: [], cacheEffect: notEstimated('none', 'no requests') }
  const cacheEffect: CacheEffect =
    policy.kind === 'automatic'
      ? {
          policy: policy.kind,
          note: policy.note,
          cachedTokens: cached,
          savings: usdFromPico(cost.expected - withCache),
          expectedWithCache: usdFromPico(withCache),
        }
      : notEstimated(policy.kind, policy.note)
  return { cost, cards: [...cards], cacheEffect }
}

function cachedTokensOf(
  bracket: Bracket,
  policy: Extract<CachingPolicy, { kind: 'automatic' }>,
): number {
  return bracket.cachedTokens[policy.rule.id]
}

function usage(inputTokens: number, cacheReadTokens: number, outputTokens: number): Usage {
  return { inputTokens, cacheReadTokens, cacheWriteTokens: 0, outputTokens, reasoningTokens: 0 }
}

function toUsd(range: PicoRange): CostRange {
  return {
    low: usdFromPico(range.low),
    expected: usdFromPico(range.expected),
    high: usdFromPico(range.high),
  }
}

function notEstimated(policy: CachingPolicy['kind'], note: string): CacheEffect {
  return { policy, note, cachedTokens: 0, savings: null, expectedWithCache: null }
}
