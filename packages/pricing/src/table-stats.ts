import type { PricingTable } from './pricing-table.js'

/** How much of the world a table prices. */
export interface TableStats {
  /** Distinct canonical model ids with at least one card. */
  models: number
  /** Providers with at least one priced model. */
  providers: number
  /** (provider, model) pairs with at least one card. */
  offers: number
  cards: number
  /** Models known without any card (price unknown). */
  unpricedModels: number
  /** Offers by the file their cards come from (curated file, catalog layer, user layer). */
  offersBySource: Record<string, number>
}

/**
 * Counts what a table prices, over every layer.
 * @example tableStats(defaultPricingTable()) // { models: 1800, providers: 83, ... }
 */
export function tableStats(table: PricingTable): TableStats {
  const models = new Set<string>()
  const unpriced = new Set<string>()
  const bySource: Record<string, number> = {}
  let providers = 0
  let offers = 0
  let cards = 0
  for (const provider of table.providers()) {
    let priced = false
    for (const model of provider.models) {
      if (model.cards.length === 0) {
        unpriced.add(model.id.toLowerCase())
        continue
      }
      priced = true
      offers++
      cards += model.cards.length
      models.add(model.id.toLowerCase())
      const last = model.cards.reduce((a, b) => (Date.parse(b.from) > Date.parse(a.from) ? b : a))
      const source = last.catalog
        ? `catalog ${last.catalog.name} ${last.catalog.snapshot}`
        : 'curated'
      bySource[source] = (bySource[source] ?? 0) + 1
    }
    if (priced) providers++
  }
  for (const id of models) unpriced.delete(id)
  return {
    models: models.size,
    providers,
    offers,
    cards,
    unpricedModels: unpriced.size,
    offersBySource: Object.fromEntries(
      Object.entries(bySource).sort(([a], [b]) => a.localeCompare(b)),
    ),
  }
}
