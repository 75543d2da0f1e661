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
  /** The region that served the call (Bedrock `us`, `eu`...); cards list the regions that cost more. */
  region?: string
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
  readonly #hostPatterns: Array<{ pattern: RegExp; provider: ProviderInfo }> = []
  /** Providers whose models are not indexed yet: indexing waits for the first lookup of each. */
  readonly #unindexed = new Set<string>()
  #canonicalReady = false

  /**
   * The complete table (catalog layers filled in), built on first need. This table is its primary
   * part: curated files and overrides. A primary card in force is the card the complete table
   * gives too (lower layers only fill before a primary model's first card), so hot lookups of
   * curated models never build the complete table; a miss, or a listing, does.
   */
  #complete: PricingTable | (() => PricingTable) | undefined

  constructor(
    providers: ReadonlyArray<{ data: ProviderData; files: string[] }>,
    options: { complete?: () => PricingTable } = {},
  ) {
    this.#complete = options.complete
    for (const { data, files } of providers) {
      this.#providers.set(data.id, data)
      this.#origins.set(data.id, { files })
      this.#unindexed.add(data.id)
      for (const url of data.apiBaseUrls)
        this.#hosts.push({ prefix: normaliseUrl(url), provider: data })
      for (const host of data.apiHosts ?? []) {
        this.#hostPatterns.push({ pattern: hostPattern(host), provider: data })
      }
    }
    // Longest prefix first, so https://api.x.com/v1 beats https://api.x.com.
    this.#hosts.sort((a, b) => b.prefix.length - a.prefix.length)
  }

  /** Indexes one provider's models by id and alias, once (a large table pays only for what is used). */
  #index(providerId: string): void {
    if (!this.#unindexed.delete(providerId)) return
    const data = this.#providers.get(providerId)!
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
    }
  }

  #lookup(providerId: string, name: string) {
    this.#index(providerId)
    return this.#models.get(key(providerId, name))
  }

  /** Every provider indexed, and models grouped by canonical id (listings and side-by-side views). */
  #indexAll(): void {
    if (this.#canonicalReady) return
    for (const id of [...this.#unindexed]) this.#index(id)
    for (const provider of this.#providers.values()) {
      for (const model of provider.models) {
        const indexed = this.#models.get(key(provider.id, model.id))!.indexed
        const list = this.#byCanonical.get(model.id.toLowerCase()) ?? []
        list.push(indexed)
        this.#byCanonical.set(model.id.toLowerCase(), list)
      }
    }
    this.#canonicalReady = true
  }

  /** The complete table: this one when it has no lower layers. */
  #all(): PricingTable {
    if (this.#complete === undefined) return this
    if (typeof this.#complete === 'function') this.#complete = this.#complete()
    return this.#complete
  }

  providers(): ProviderInfo[] {
    const all = this.#all()
    return all === this ? [...this.#providers.values()] : all.providers()
  }

  provider(id: string): ProviderInfo | undefined {
    const all = this.#all()
    return all === this ? this.#providers.get(id) : all.provider(id)
  }

  /** The files a provider's data came from (bundled file first, then layers and overrides). */
  origin(id: string): ProviderOrigin | undefined {
    const all = this.#all()
    return all === this ? this.#origins.get(id) : all.origin(id)
  }

  /**
   * The provider whose known API base URL the given URL starts with, else whose host pattern the
   * URL's host matches (`*.openai.azure.com`, `bedrock-runtime.*.amazonaws.com`); undefined for an
   * unknown host. Never guesses from a model name.
   */
  detectProvider(baseUrl: string): ProviderInfo | undefined {
    const url = normaliseUrl(baseUrl)
    return (
      this.#detectHere(url) ??
      (this.#complete === undefined ? undefined : this.#all().detectProvider(baseUrl))
    )
  }

  #detectHere(url: string): ProviderInfo | undefined {
    return (
      this.#hosts.find((host) => url === host.prefix || url.startsWith(`${host.prefix}/`))
        ?.provider ??
      this.#hosts.find((host) => sameOrigin(url, host.prefix))?.provider ??
      this.#hostPatterns.find((host) => host.pattern.test(hostOf(url)))?.provider
    )
  }

  /** Finds a model of a provider by canonical id or alias (case-insensitive); null when unknown. */
  resolveModel(providerId: string, modelOrAlias: string): ResolvedModel | null {
    const found = this.#lookup(providerId, modelOrAlias)
    if (!found)
      return this.#complete === undefined
        ? null
        : this.#all().resolveModel(providerId, modelOrAlias)
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
    const all = this.#all()
    if (all !== this) return all.servingProviders(modelOrAlias)
    this.#indexAll()
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
    const all = this.#all()
    if (all !== this) return all.modelNames(providerId)
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
    const found = this.#lookup(providerId, modelOrAlias)
    const card = found ? cardInForce(found.indexed, at.getTime()) : null
    if (card) return { card, model: found!.indexed }
    // No primary card in force: a lower layer may price the model (or its history before).
    return this.#complete === undefined ? null : this.#all().cardAt(providerId, modelOrAlias, at)
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
      ...(request.region ? { region: request.region } : {}),
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

/** `*.openai.azure.com` -> a regex where `*` is one DNS label or part of one. */
function hostPattern(pattern: string): RegExp {
  const source = pattern
    .split('*')
    .map((part) => part.replace(/[.+?^${}()|[\]\\-]/g, '\\$&'))
    .join('[a-z0-9-]+')
  return new RegExp(`^${source}$`)
}

function hostOf(url: string): string {
  try {
    return new URL(url).hostname
  } catch {
    return ''
  }
}

function sameOrigin(a: string, b: string): boolean {
  try {
    return new URL(a).host === new URL(b).host
  } catch {
    return false
  }
}
