import type { CatalogName, ModelData, ProviderData, RateCardData } from '../schema.js'
import { isRateWithinBound, rateBoundProblem } from '../rate-bound.js'
import type { CatalogProvider } from './catalog-providers.js'

/** What a snapshot of a catalog is: its name, its date or version, and where it is published. */
export interface CatalogSnapshot {
  catalog: CatalogName
  /** The snapshot's date (YYYY-MM-DD) or version, as the cards cite it. */
  snapshot: string
  /** First evidence of the prices: the `from` of every imported card without a date of its own. */
  from: string
  /** The catalog's own URL, the source of cards whose entry names none. */
  url: string
}

/** An entry (or a part of one) the importer did not convert, with the reason. */
export interface ImportIssue {
  entry: string
  message: string
}

/** One catalog converted into the table's schema. */
export interface CatalogImport {
  snapshot: CatalogSnapshot
  providers: ProviderData[]
  /** Entries read and models written. */
  counts: { entries: number; models: number }
  /** Fields of the catalog the importer does not convert, with how many entries carry each. */
  unknownFields: Record<string, number>
  /** Entries not imported at all, each with its reason. */
  skipped: ImportIssue[]
  /** Parts of imported entries left out (a rate finer than 6 places, a pattern match rule...). */
  warnings: ImportIssue[]
}

/**
 * Collects imported models per provider, keeping ids and aliases unique within a provider: an entry
 * whose id is already taken joins that model when its cards are the same, and otherwise keeps its
 * raw catalog id as its own model id (never overwriting a price).
 */
export class ImportBuilder {
  readonly #snapshot: CatalogSnapshot
  readonly #providers = new Map<
    string,
    { info: CatalogProvider; models: Map<string, ModelData>; names: Map<string, string> }
  >()
  readonly unknownFields: Record<string, number> = {}
  readonly skipped: ImportIssue[] = []
  readonly warnings: ImportIssue[] = []
  entries = 0

  constructor(snapshot: CatalogSnapshot) {
    this.#snapshot = snapshot
  }

  unknownField(field: string): void {
    this.unknownFields[field] = (this.unknownFields[field] ?? 0) + 1
  }

  add(info: CatalogProvider, model: ModelData, rawId: string): void {
    // A catalog's typo (a per-token price written as per million) would fail the table's rate bound;
    // the entry is left out and said so, like any other entry the importer cannot take.
    const outOfBound = ratesOf(model.cards).find((rate) => !isRateWithinBound(rate))
    if (outOfBound !== undefined) {
      this.skipped.push({ entry: rawId, message: rateBoundProblem(outOfBound) })
      return
    }
    let provider = this.#providers.get(info.id)
    if (!provider) {
      provider = { info, models: new Map(), names: new Map() }
      this.#providers.set(info.id, provider)
    }
    const owner = provider.names.get(model.id.toLowerCase())
    if (owner !== undefined) {
      const existing = provider.models.get(owner)!
      if (sameCards(existing.cards, model.cards)) {
        this.#addAliases(provider, existing, [model.id, ...(model.aliases ?? [])], rawId)
        return
      }
      if (provider.names.has(rawId.toLowerCase())) {
        this.warnings.push({
          entry: rawId,
          message: `another entry already priced ${info.id}/${rawId} differently; the first one is kept`,
        })
        return
      }
      model = {
        ...model,
        id: rawId,
        aliases: (model.aliases ?? []).filter((alias) => alias !== rawId),
      }
    }
    const fresh: ModelData = { ...model, aliases: [] }
    provider.models.set(fresh.id, fresh)
    provider.names.set(fresh.id.toLowerCase(), fresh.id)
    this.#addAliases(provider, fresh, model.aliases ?? [], rawId)
  }

  #addAliases(
    provider: { names: Map<string, string> },
    model: ModelData,
    aliases: string[],
    rawId: string,
  ): void {
    const list = model.aliases ?? (model.aliases = [])
    for (const alias of aliases) {
      const owner = provider.names.get(alias.toLowerCase())
      if (owner === model.id) continue
      if (owner !== undefined) {
        this.warnings.push({
          entry: rawId,
          message: `alias ${alias} already names ${owner}; not added to ${model.id}`,
        })
        continue
      }
      provider.names.set(alias.toLowerCase(), model.id)
      list.push(alias)
    }
  }

  build(): CatalogImport {
    const providers: ProviderData[] = [...this.#providers.values()]
      .sort((a, b) => a.info.id.localeCompare(b.info.id))
      .map(({ info, models }) => ({
        id: info.id,
        name: info.name,
        apiBaseUrls: info.apiBaseUrls,
        ...(info.apiHosts ? { apiHosts: info.apiHosts } : {}),
        usageStyle: info.usageStyle,
        reportsCost: info.usageStyle === 'openrouter',
        ...(info.pricingUrl ? { pricingUrl: info.pricingUrl } : {}),
        models: [...models.values()]
          .sort((a, b) => a.id.localeCompare(b.id))
          .map((model) => {
            const { aliases, ...rest } = model
            return aliases && aliases.length ? { ...rest, aliases: [...aliases].sort() } : rest
          }),
      }))
    const sortedUnknown = Object.fromEntries(
      Object.entries(this.unknownFields).sort(([a], [b]) => a.localeCompare(b)),
    )
    return {
      snapshot: this.#snapshot,
      providers,
      counts: {
        entries: this.entries,
        models: providers.reduce((sum, p) => sum + p.models.length, 0),
      },
      unknownFields: sortedUnknown,
      skipped: this.skipped,
      warnings: this.warnings,
    }
  }
}

function sameCards(a: RateCardData[], b: RateCardData[]): boolean {
  const strip = (cards: RateCardData[]) =>
    JSON.stringify(cards.map(({ note: _note, source: _source, ...card }) => card))
  return strip(a) === strip(b)
}

/** Every rate string of some cards: their `rates`, and those of their tiers, windows and regions. */
function ratesOf(value: unknown, underRates = false): string[] {
  if (typeof value === 'string') return underRates ? [value] : []
  if (typeof value !== 'object' || value === null) return []
  return Object.entries(value).flatMap(([key, inner]) =>
    ratesOf(inner, underRates || key === 'rates'),
  )
}
