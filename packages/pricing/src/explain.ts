import { effectiveRates } from './card-variant.js'
import type { PriceRequest, PricingTable } from './pricing-table.js'
import type { Rates } from './schema.js'

/** Why a lookup priced a call the way it did, step by step. */
export interface Explanation {
  priced: boolean
  steps: string[]
  provider?: { id: string; files: string[] }
  model?: { id: string; matchedBy: 'id' | 'alias'; name: string }
  card?: { from: string; source: string; checked: string; note?: string }
  variant?: { tier?: number; window?: string; serviceTier?: string }
  rates?: Rates
}

/**
 * Explains a lookup: which provider file, which model (by id or alias) and which card matched, and
 * why (the card in force at the instant; the tier, window and service tier that applied).
 */
export function explainPrice(
  table: PricingTable,
  request: Omit<PriceRequest, 'usage'> & { promptTokens?: number },
): Explanation {
  const steps: string[] = []
  const provider = table.provider(request.provider)
  if (!provider) {
    steps.push(
      `provider "${request.provider}" is not in the table (known: ${table
        .providers()
        .map((p) => p.id)
        .join(', ')})`,
    )
    return { priced: false, steps }
  }
  const files = table.origin(provider.id)?.files ?? []
  steps.push(`provider "${provider.id}" from ${files.join(' + ')}`)
  const resolved = table.resolveModel(provider.id, request.model)
  if (!resolved) {
    steps.push(
      `model "${request.model}" is neither an id nor an alias in provider "${provider.id}"`,
    )
    return { priced: false, steps, provider: { id: provider.id, files } }
  }
  steps.push(
    resolved.matchedBy === 'id'
      ? `model "${resolved.model.id}" matched by id`
      : `"${request.model}" is an alias of model "${resolved.model.id}"`,
  )
  const base = {
    provider: { id: provider.id, files },
    model: { id: resolved.model.id, matchedBy: resolved.matchedBy, name: request.model },
  }
  if (resolved.model.cards.length === 0) {
    steps.push('the model has no rate card: its price is unknown, calls are recorded unpriced')
    return { priced: false, steps, ...base }
  }
  const found = table.cardAt(provider.id, resolved.model.id, request.at)
  if (!found) {
    steps.push(
      `no card is in force at ${request.at.toISOString()} (the first card starts ${resolved.model.cards.map((c) => new Date(c.from).toISOString()).sort()[0]})`,
    )
    return { priced: false, steps, ...base }
  }
  const { card } = found
  const later = found.model.cards.filter((c) => c.fromMs > card.fromMs).length
  steps.push(
    `card from ${card.fromIso} is the latest not after ${request.at.toISOString()}` +
      (later ? ` (${later} later card${later > 1 ? 's' : ''} not yet in force)` : ''),
  )
  const variant = effectiveRates(card.data, {
    promptTokens: request.promptTokens ?? 0,
    at: request.at,
    ...(request.serviceTier ? { serviceTier: request.serviceTier } : {}),
  })
  const cardInfo = {
    from: card.fromIso,
    source: card.data.source,
    checked: card.data.checked,
    ...(card.data.note ? { note: card.data.note } : {}),
  }
  if (!variant) {
    steps.push(`the card offers no "${request.serviceTier}" service tier`)
    return { priced: false, steps, ...base, card: cardInfo }
  }
  const { rates, ...selected } = variant
  if (selected.tier !== undefined)
    steps.push(
      `prompt of ${request.promptTokens} tokens is above ${selected.tier}: the whole request at the tier's rates`,
    )
  if (selected.window !== undefined)
    steps.push(`${request.at.toISOString()} is inside the "${selected.window}" window`)
  if (selected.serviceTier !== undefined)
    steps.push(`service tier "${selected.serviceTier}" applied`)
  return { priced: true, steps, ...base, card: cardInfo, variant: selected, rates }
}
