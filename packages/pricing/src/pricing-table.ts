import { effectiveRates } from './card-variant.js'
import { computeCost, type Cost } from './compute-cost.js'
import { TokenledgerError } from './errors.js'
import {
  type CardRef,
  cardInForce,
  cardRefId,
  type IndexedCard,
  type IndexedModel,
} from './rate-card.js'
import type { ModelData, ProviderData, ServiceTier } from './schema.js'
import { checkUsage, type Usage } from './usage.js'

/** A provider of the table. */
export type ProviderInfo = ProviderData

/** A model found by id or alias. */
export interface ResolvedModel {
  provider: ProviderInfo
  model: ModelData
  matchedBy: 'id' | 'alias'
}

/** What to price. */
export interface PriceRequest {
  provider: string
  /** Canonical id or any alias the provider's API accepts. */
  model: string
  at: Date
  usage: Usage
  serviceTier?: ServiceTier
}

/** Where a provider's data came from: the bundled file, then any overrides merged over it. */
export interface ProviderOrigin {
  files: string[]
}

/**
 * The validated pricing table, indexed for lookups. Build it with `loadPricingTable()` or
 * `defaultPricingTable()`; it is immutable, so one instance can serve every call.
 */
export class PricingTable {
  readonly #providers = new Map<string, ProviderInfo>()
  readonly #origins = new Map<string, ProviderOrigin>()
  /** `${provider}\u0000${name}` -> model, for ids and aliases (names compared case-insensitively). */
  readonly #models = new Map<string, { indexed: IndexedModel; matchedBy: 'id' | 'alias' }>()
  readonly #byCanonical = new Map<string, IndexedModel[]>()
  readonly #hosts: Array<{ prefix: string; provider: ProviderInfo }> = []

  constructor(providers: ReadonlyArray<{ data: ProviderData; files: string[] }>) {
    for (const { data, files } of providers) {
      this.#providers.set(data.id, data)
      this.#origins.set(data.id, { files })
      for (const url of data.apiBaseUrls)
        this.#hosts.push({ prefix: normaliseUrl(url), provider: data })
      for (const model of data.models) {
        const cards: IndexedCard[] = model.cards
          .map((card) => ({
            data: card,
            fromMs: Date.parse(card.from),
            fromIso: new Date(card.from).toISOString(),
          }))
          .sort((a, b) => a.fromMs - b.fromMs)
        const indexed: IndexedModel = { provider: data, model, cards }
        this.#models.set(key(data.id, model.id), { indexed, matchedBy: 'id' })
        for (const alias of model.aliases ?? []) {
          this.#models.set(key(data.id, alias), { indexed, matchedBy: 'alias' })
        }
        const list = this.#byCanonical.get(model.id.toLowerCase()) ?? []
        list.push(indexed)
        this.#byCanonical.set(model.id.toLowerCase(), list)
      }
    }
    // Longest prefix first, so https://api.x.com/v1 beats https://api.x.com.
    this.#hosts.sort((a, b) => b.prefix.length - a.prefix.length)
  }

  providers(): ProviderInfo[] {
    return [...this.#providers.values()]
  }

  provider(id: string): ProviderInfo | undefined {
    return this.#providers.get(id)
  }

  /** The files a provider's data came from (bundled file first, then overrides). */
  origin(id: string): ProviderOrigin | undefined {
    return this.#origins.get(id)
  }

  /**
   * The provider whose known API base URL the given URL starts with; undefined for an unknown host.
   * Never guesses from a model name.
   */
  detectProvider(baseUrl: string): ProviderInfo | undefined {
    const url = normaliseUrl(baseUrl)
    return (
      this.#hosts.find((host) => url === host.prefix || url.startsWith(`${host.prefix}/`))
        ?.provider ?? this.#hosts.find((host) => sameOrigin(url, host.prefix))?.provider
    )
  }

  /** Finds a model of a provider by canonical id or alias (case-insensitive); null when unknown. */
  resolveModel(providerId: string, modelOrAlias: string): ResolvedModel | null {
    const found = this.#models.get(key(providerId, modelOrAlias))
    if (!found) return null
    return {
      provider: found.indexed.provider,
      model: found.indexed.model,
      matchedBy: found.matchedBy,
    }
  }

  /**
   * Every provider that serves a model, given its canonical id or any provider's alias of it.
   * @example table.servingProviders('deepseek/deepseek-v4-flash') // openrouter, deepseek, tokenhub, oxen
   */
  servingProviders(modelOrAlias: string): ResolvedModel[] {
    let canonical = modelOrAlias.toLowerCase()
    if (!this.#byCanonical.has(canonical)) {
      for (const provider of this.#providers.keys()) {
        const found = this.#models.get(key(provider, modelOrAlias))
        if (found) {
          canonical = found.indexed.model.id.toLowerCase()
          break
        }
      }
    }
    return (this.#byCanonical.get(canonical) ?? []).map((indexed) => ({
      provider: indexed.provider,
      model: indexed.model,
      matchedBy: indexed.model.id.toLowerCase() === modelOrAlias.toLowerCase() ? 'id' : 'alias',
    }))
  }

  /** Ids and aliases of every model, for "did you mean" messages. */
  modelNames(providerId?: string): string[] {
    const names = new Set<string>()
    for (const provider of this.#providers.values()) {
      if (providerId && provider.id !== providerId) continue
      for (const model of provider.models) {
        names.add(model.id)
        for (const alias of model.aliases ?? []) names.add(alias)
      }
    }
    return [...names]
  }

  /** The card in force for a model at an instant, with its reference; null when none is. */
  cardAt(
    providerId: string,
    modelOrAlias: string,
    at: Date,
  ): { card: IndexedCard; model: IndexedModel } | null {
    const found = this.#models.get(key(providerId, modelOrAlias))
    if (!found) return null
    const card = cardInForce(found.indexed, at.getTime())
    return card ? { card, model: found.indexed } : null
  }

  /**
   * The exact cost of a usage, or null when the model is unknown, no card is in force at `at`, or
   * the card does not offer the requested service tier. Never a zero price for an unknown.
   * @throws TokenledgerError USAGE_INVALID when the usage breaks the subset rules.
   */
  price(request: PriceRequest): Cost | null {
    const problem = checkUsage(request.usage)
    if (problem) throw new TokenledgerError('USAGE_INVALID', `usage: ${problem}`)
    const found = this.cardAt(request.provider, request.model, request.at)
    if (!found) return null
    const { card, model } = found
    const variant = effectiveRates(card.data, {
      promptTokens: request.usage.inputTokens,
      at: request.at,
      ...(request.serviceTier ? { serviceTier: request.serviceTier } : {}),
    })
    if (!variant) return null
    const { rates, ...selected } = variant
    const ref: CardRef = {
      id: cardRefId(model.provider.id, model.model.id, card.fromIso, selected),
      provider: model.provider.id,
      model: model.model.id,
      from: card.fromIso,
      source: card.data.source,
      checked: card.data.checked,
      ...selected,
    }
    return computeCost(request.usage, rates, ref)
  }
}

function key(provider: string, name: string): string {
  return `${provider}\u0000${name.toLowerCase()}`
}

function normaliseUrl(url: string): string {
  return url.trim().toLowerCase().replace(/\/+$/, '')
}

function sameOrigin(a: string, b: string): boolean {
  try {
    return new URL(a).host === new URL(b).host
  } catch {
    return false
  }
}
