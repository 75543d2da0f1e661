import { cardInForce, type IndexedModel } from '../rate-card.js'
import { PricingTable } from '../pricing-table.js'
import type { CatalogName, ProviderData, RateCardData } from '../schema.js'

/** The rate fields compared between a curated card and a catalog's. */
export const CHECKED_RATES = [
  'input',
  'output',
  'cacheRead',
  'cacheWrite5m',
  'cacheWrite1h',
] as const

/** A rate on which a curated card and a catalog disagree at the same instant. */
export interface RateDisagreement {
  /** The instant compared at. */
  at: string
  provider: string
  model: string
  field: (typeof CHECKED_RATES)[number]
  /** The curated value, or null when the curated card has none but the catalog has. */
  curated: string | null
  catalogValue: string | null
  catalog: CatalogName
  curatedSource: string
  catalogSource: string
  /** The curated card's `note` names the catalog: the disagreement is explained. */
  explained: boolean
}

export interface CatalogCheck {
  /** Each catalog is compared at its own instant: `options.at`, else its snapshot's `from`. */
  at: Record<string, string>
  disagreements: RateDisagreement[]
  /** Curated cards in force whose `checked` date is older than the threshold. */
  stale: Array<{
    provider: string
    model: string
    checked: string
    ageDays: number
    source: string
  }>
  /** Models a catalog prices at the instant that the curated table does not know, per catalog. */
  missing: Array<{ catalog: CatalogName; provider: string; model: string }>
  compared: number
}

/** One catalog as the check reads it: its name and its converted providers. */
export interface CheckedCatalog {
  name: CatalogName
  providers: readonly ProviderData[]
  /** The instant the catalog's prices held (its snapshot); compared there unless `at` is given. */
  snapshotFrom: string
}

const CATALOG_WORDS: Record<CatalogName, RegExp> = {
  'genai-prices': /genai-prices/i,
  litellm: /litellm/i,
  openrouter: /openrouter('s)? (listing|catalog|api\/v1\/models)/i,
}

/**
 * Compares, for each catalog, every curated card in force at one instant with the catalog's card in
 * force at the same instant for the same provider and model (by id or alias), rate by rate. The
 * instant is the catalog's snapshot (what it says held then) unless `options.at` is given; stale
 * cards are judged at `options.now`. A disagreement is
 * explained when the curated card's `note` names the catalog (say why it is wrong, or why the
 * card differs); an unexplained one should fail CI. Rates are compared as exact decimals
 * (`0.30` equals `0.3`).
 * @example
 * const report = checkAgainstCatalogs(curatedTable, [{ name: 'litellm', providers, snapshotFrom: '2026-09-01T00:00:00Z' }], { now: new Date(), maxAgeDays: 180 })
 * report.disagreements.filter((d) => !d.explained) // what CI fails on
 */
export function checkAgainstCatalogs(
  curated: PricingTable,
  catalogs: readonly CheckedCatalog[],
  options: { at?: Date; now: Date; maxAgeDays: number },
): CatalogCheck {
  const nowMs = options.now.getTime()
  const report: CatalogCheck = { at: {}, disagreements: [], stale: [], missing: [], compared: 0 }
  for (const provider of curated.providers()) {
    for (const model of provider.models) {
      const found = curated.cardAt(provider.id, model.id, options.now)
      if (!found || found.card.data.catalog) continue
      const card = found.card.data
      const ageDays = Math.floor((nowMs - Date.parse(`${card.checked}T00:00:00Z`)) / 86_400_000)
      if (ageDays > options.maxAgeDays)
        report.stale.push({
          provider: provider.id,
          model: model.id,
          checked: card.checked,
          ageDays,
          source: card.source,
        })
    }
  }
  for (const catalog of catalogs) {
    const at = options.at ?? new Date(catalog.snapshotFrom)
    const atMs = at.getTime()
    report.at[catalog.name] = at.toISOString()
    const table = new PricingTable(
      catalog.providers.map((data) => ({ data, files: [catalog.name] })),
    )
    for (const provider of curated.providers()) {
      for (const model of provider.models) {
        const found = curated.cardAt(provider.id, model.id, at)
        if (!found || found.card.data.catalog) continue
        const other = [model.id, ...(model.aliases ?? [])]
          .map((name) => table.cardAt(provider.id, name, at))
          .find((hit) => hit !== null)
        if (!other) continue
        report.compared++
        compareRates(
          report.at[catalog.name]!,
          provider.id,
          model.id,
          found.card.data,
          other.card.data,
          catalog.name,
          report.disagreements,
        )
      }
    }
    for (const provider of table.providers()) {
      for (const model of provider.models) {
        if (!cardInForce(indexed(model), atMs)) continue
        const known = [model.id, ...(model.aliases ?? [])].some(
          (name) => curated.resolveModel(provider.id, name) !== null,
        )
        if (!known)
          report.missing.push({ catalog: catalog.name, provider: provider.id, model: model.id })
      }
    }
  }
  return report
}

function indexed(model: ProviderData['models'][number]): IndexedModel {
  return {
    provider: undefined as never,
    model,
    cards: model.cards
      .map((data) => ({ data, fromMs: Date.parse(data.from), fromIso: data.from }))
      .sort((a, b) => a.fromMs - b.fromMs),
  }
}

function compareRates(
  at: string,
  provider: string,
  model: string,
  card: RateCardData,
  other: RateCardData,
  catalog: CatalogName,
  out: RateDisagreement[],
): void {
  for (const field of CHECKED_RATES) {
    const mine = card.rates[field] ?? null
    const theirs = other.rates[field] ?? null
    // A rate only one side states is compared only where the catalog states one the card lacks a
    // value for and it would change the cost (cache rates fall back to input when absent).
    if (mine === null && theirs === null) continue
    if (mine === null && theirs !== null && equalDecimal(theirs, card.rates.input)) continue
    if (theirs === null) continue
    if (mine !== null && equalDecimal(mine, theirs)) continue
    out.push({
      at,
      provider,
      model,
      field,
      curated: mine,
      catalogValue: theirs,
      catalog,
      curatedSource: card.source,
      catalogSource: other.source,
      explained: CATALOG_WORDS[catalog].test(card.note ?? ''),
    })
  }
}

function equalDecimal(a: string, b: string | undefined): boolean {
  if (b === undefined) return false
  const norm = (x: string) => {
    const [whole = '0', fraction = ''] = x.split('.')
    const f = fraction.replace(/0+$/, '')
    return `${whole.replace(/^0+(?=\d)/, '')}${f ? `.${f}` : ''}`
  }
  return norm(a) === norm(b)
}
