import type { ModelData, ProviderData } from './schema.js'

/**
 * Merges an override provider over a bundled one:
 * - provider fields given by the override replace the bundled ones (models aside);
 * - a model with a new id is added; for a known model, the override's fields replace the bundled
 *   ones and its cards are added, a card with the same `from` replacing the bundled card.
 * History is never lost: a negotiated rate from a date on is one more card.
 */
export function mergeProvider(base: ProviderData, override: ProviderData): ProviderData {
  const models = new Map<string, ModelData>(base.models.map((model) => [model.id, model]))
  for (const model of override.models) {
    const existing = models.get(model.id)
    if (!existing) {
      models.set(model.id, model)
      continue
    }
    const cards = new Map(existing.cards.map((card) => [Date.parse(card.from), card]))
    for (const card of model.cards) cards.set(Date.parse(card.from), card)
    models.set(model.id, {
      ...existing,
      ...model,
      aliases: [...new Set([...(existing.aliases ?? []), ...(model.aliases ?? [])])],
      cards: [...cards.values()],
    })
  }
  return { ...base, ...override, models: [...models.values()] }
}
