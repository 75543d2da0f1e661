import type { ModelData, ProviderData, RateCardData } from '../schema.js'

/** One difference between two versions of a catalog layer. */
export interface LayerChange {
  kind: 'new-model' | 'changed-rates' | 'removed-model'
  provider: string
  model: string
  /** The prices before and after (rates and variants), for changed and removed models. */
  before?: PriceShape
  after?: PriceShape
}

/** The part of a card that is its price: rates and every variant, not its dates or source. */
export type PriceShape = Pick<
  RateCardData,
  'rates' | 'tiers' | 'windows' | 'serviceTiers' | 'regions'
>

export function priceShape(card: RateCardData): PriceShape {
  const { rates, tiers, windows, serviceTiers, regions } = card
  return {
    rates,
    ...(tiers ? { tiers } : {}),
    ...(windows ? { windows } : {}),
    ...(serviceTiers ? { serviceTiers } : {}),
    ...(regions ? { regions } : {}),
  }
}

export function samePrice(a: RateCardData, b: RateCardData): boolean {
  return canonicalJson(priceShape(a)) === canonicalJson(priceShape(b))
}

/**
 * What changes from one version of a layer to the next: models added, models whose latest card's
 * prices differ, models removed. Dates, sources and notes are not changes; prices are.
 */
export function diffLayers(
  before: readonly ProviderData[],
  after: readonly ProviderData[],
): LayerChange[] {
  const index = (providers: readonly ProviderData[]) => {
    const map = new Map<string, ModelData>()
    for (const provider of providers)
      for (const model of provider.models) map.set(`${provider.id}\u0000${model.id}`, model)
    return map
  }
  const old = index(before)
  const next = index(after)
  const changes: LayerChange[] = []
  for (const [key, model] of next) {
    const [provider, id] = key.split('\u0000') as [string, string]
    const previous = old.get(key)
    const latest = latestCard(model)
    if (!previous) {
      changes.push({
        kind: 'new-model',
        provider,
        model: id,
        ...(latest ? { after: priceShape(latest) } : {}),
      })
      continue
    }
    const was = latestCard(previous)
    if (was && latest && !samePrice(was, latest)) {
      changes.push({
        kind: 'changed-rates',
        provider,
        model: id,
        before: priceShape(was),
        after: priceShape(latest),
      })
    }
  }
  for (const [key, model] of old) {
    if (next.has(key)) continue
    const [provider, id] = key.split('\u0000') as [string, string]
    const was = latestCard(model)
    changes.push({
      kind: 'removed-model',
      provider,
      model: id,
      ...(was ? { before: priceShape(was) } : {}),
    })
  }
  const order = { 'new-model': 0, 'changed-rates': 1, 'removed-model': 2 }
  return changes.sort(
    (a, b) =>
      order[a.kind] - order[b.kind] ||
      a.provider.localeCompare(b.provider) ||
      a.model.localeCompare(b.model),
  )
}

/**
 * The next layer with the history of the previous one kept: a model whose price did not change
 * keeps its earlier card (the first evidence of that price stays its `from`, its `checked` moves on);
 * a changed price is one more card after the old ones. Removed models are gone.
 */
export function carryHistory(
  before: readonly ProviderData[],
  after: readonly ProviderData[],
): ProviderData[] {
  const old = new Map<string, ModelData>()
  for (const provider of before)
    for (const model of provider.models) old.set(`${provider.id}\u0000${model.id}`, model)
  return after.map((provider) => ({
    ...provider,
    models: provider.models.map((model) => {
      const previous = old.get(`${provider.id}\u0000${model.id}`)
      const latest = latestCard(model)
      if (!previous || !latest) return model
      const earlier = [...previous.cards]
        .sort((a, b) => Date.parse(a.from) - Date.parse(b.from))
        .filter((card) => Date.parse(card.from) < Date.parse(latest.from))
      const last = earlier.at(-1)
      if (last && samePrice(last, latest)) {
        return {
          ...model,
          cards: [
            ...earlier.slice(0, -1),
            {
              ...last,
              checked: latest.checked,
              ...(latest.catalog ? { catalog: latest.catalog } : {}),
            },
          ],
        }
      }
      return { ...model, cards: [...earlier, ...model.cards] }
    }),
  }))
}

function latestCard(model: ModelData): RateCardData | undefined {
  return [...model.cards].sort((a, b) => Date.parse(a.from) - Date.parse(b.from)).at(-1)
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`
  if (value && typeof value === 'object') {
    return `{${Object.keys(value)
      .sort()
      .map(
        (key) => `${JSON.stringify(key)}:${canonicalJson((value as Record<string, unknown>)[key])}`,
      )
      .join(',')}}`
  }
  return JSON.stringify(value)
}
