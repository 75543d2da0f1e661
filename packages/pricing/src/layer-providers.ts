import type { ModelData, ProviderData } from './schema.js'

/** A provider of the table being assembled, with the files its data came from. */
export interface ProviderEntry {
  data: ProviderData
  files: string[]
}

/**
 * Fills the table from a lower layer (an imported catalog): the layers already in `table` keep
 * precedence card by card.
 * - a provider the table lacks is added whole;
 * - a model the provider lacks (by id or any alias, case-insensitive) is added, minus aliases
 *   another model already uses;
 * - a model the provider has keeps its cards; the lower layer's cards are added only before the
 *   first of them (older history the upper layer does not cover), and its new aliases are added.
 *   A curated model with no card (price unknown) thus takes the catalog's cards.
 * Base URLs and host patterns are united. Inputs are never mutated.
 * @example
 * // curated openai gpt-4o (cards from 2024-05-13) + LiteLLM gpt-4o (card from 2026-07-24):
 * // the curated history prices every call; LiteLLM's alias gpt-4o-2024-11-20 is added if new.
 */
export function fillFromLayer(
  table: Map<string, ProviderEntry>,
  layer: readonly ProviderData[],
  file: string,
): void {
  for (const lower of layer) {
    const existing = table.get(lower.id)
    if (!existing) {
      table.set(lower.id, { data: lower, files: [file] })
      continue
    }
    const upper = existing.data
    const models = [...upper.models]
    const names = new Map<string, number>()
    models.forEach((model, index) => {
      for (const name of [model.id, ...(model.aliases ?? [])]) names.set(name.toLowerCase(), index)
    })
    let changed = false
    for (const model of lower.models) {
      const found = [model.id, ...(model.aliases ?? [])]
        .map((name) => names.get(name.toLowerCase()))
        .find((index) => index !== undefined)
      const freeAliases = (model.aliases ?? []).filter((alias) => !names.has(alias.toLowerCase()))
      if (found === undefined) {
        const added: ModelData = { ...model, ...(model.aliases ? { aliases: freeAliases } : {}) }
        for (const name of [added.id, ...freeAliases]) names.set(name.toLowerCase(), models.length)
        models.push(added)
        changed = true
        continue
      }
      const current = models[found]!
      const firstFrom = Math.min(...current.cards.map((card) => Date.parse(card.from)))
      const older = model.cards.filter((card) => Date.parse(card.from) < firstFrom)
      const newAliases = [model.id, ...freeAliases].filter((name) => !names.has(name.toLowerCase()))
      if (older.length === 0 && newAliases.length === 0) continue
      for (const name of newAliases) names.set(name.toLowerCase(), found)
      models[found] = {
        ...current,
        ...(newAliases.length ? { aliases: [...(current.aliases ?? []), ...newAliases] } : {}),
        cards: [...older, ...current.cards],
      }
      changed = true
    }
    const apiBaseUrls = [...new Set([...upper.apiBaseUrls, ...lower.apiBaseUrls])]
    const apiHosts = [...new Set([...(upper.apiHosts ?? []), ...(lower.apiHosts ?? [])])]
    table.set(lower.id, {
      data: {
        ...upper,
        apiBaseUrls,
        ...(apiHosts.length ? { apiHosts } : {}),
        models: changed ? models : upper.models,
      },
      files: [...existing.files, file],
    })
  }
}
