import type { ModelData, RateCardData, Rates, Tier, TimeWindow } from '../schema.js'
import { canonicalModel, type KnownModels } from './canonical-model.js'
import { type CatalogImport, type CatalogSnapshot, ImportBuilder } from './catalog-import.js'
import { integer, isRecord, numberText, parseCatalogJson } from './catalog-json.js'
import { catalogProvider, catalogProviderById } from './catalog-providers.js'
import { toRate } from './exact-decimal.js'

/** genai-prices price fields (USD per 1M tokens, or per 1,000 requests) -> table rate fields. */
const PRICE_FIELDS: Record<string, { field: keyof Rates; shift: number }> = {
  input_mtok: { field: 'input', shift: 0 },
  output_mtok: { field: 'output', shift: 0 },
  cache_read_mtok: { field: 'cacheRead', shift: 0 },
  cache_write_mtok: { field: 'cacheWrite5m', shift: 0 },
  input_audio_mtok: { field: 'audioInput', shift: 0 },
  output_audio_mtok: { field: 'audioOutput', shift: 0 },
  requests_kcount: { field: 'request', shift: -3 },
}
const MODEL_FIELDS = new Set([
  'id',
  'name',
  'description',
  'match',
  'context_window',
  'prices',
  'price_comments',
  'deprecated',
])

/**
 * Converts pydantic's genai-prices data file (`data.json`: a list of providers, each with models
 * and their `prices`) into the table's schema. Prices are read from the number text, exactly.
 * - per-field tiers (`{ base, tiers: [{ start, price }] }`) become whole-request tiers `above: start`;
 * - a list of conditional prices: `constraint.start_date` starts a new card; `start_time` /
 *   `end_time` (UTC) become a time window; prices that ended by the snapshot date have no known
 *   start and are reported, not imported;
 * - `match` rules: `equals` values become aliases; patterns (starts_with, contains, regex) are
 *   never turned into guesses and are reported as warnings.
 * @example
 * const result = importGenaiPrices(text, { catalog: 'genai-prices', snapshot: '2026-09-01', from: '2026-09-01T00:00:00Z', url }, known)
 * result.providers // ProviderData[]; result.unknownFields // e.g. { cache_audio_read_mtok: 10 }
 */
export function importGenaiPrices(
  text: string,
  snapshot: CatalogSnapshot,
  known: KnownModels,
): CatalogImport {
  const builder = new ImportBuilder(snapshot)
  const data = parseCatalogJson(text)
  if (!Array.isArray(data)) throw new Error('genai-prices: expected a JSON list of providers')
  for (const provider of data) {
    if (!isRecord(provider) || typeof provider.id !== 'string' || !Array.isArray(provider.models)) {
      builder.skipped.push({
        entry: String(isRecord(provider) ? provider.id : provider),
        message: 'not a provider object with id and models',
      })
      continue
    }
    const pricingUrl =
      Array.isArray(provider.pricing_urls) && typeof provider.pricing_urls[0] === 'string'
        ? provider.pricing_urls[0]
        : snapshot.url
    for (const entry of provider.models) {
      builder.entries++
      const entryName = `${provider.id}/${isRecord(entry) ? String(entry.id) : '?'}`
      if (!isRecord(entry) || typeof entry.id !== 'string') {
        builder.skipped.push({ entry: entryName, message: 'model without an id' })
        continue
      }
      for (const key of Object.keys(entry))
        if (!MODEL_FIELDS.has(key)) builder.unknownField(`model.${key}`)
      const info = providerFor(provider.id, entry.id)
      const cards = cardsOf(entry.prices, entryName, pricingUrl, snapshot, builder)
      if (cards.length === 0) continue
      const identity = canonicalModel(info.id, entry.id, known)
      const aliases = [...identity.aliases, ...equalsRules(entry.match, entryName, builder)].filter(
        (alias) => alias !== identity.id,
      )
      const model: ModelData = {
        id: identity.id,
        ...(typeof entry.name === 'string' ? { name: entry.name } : {}),
        ...(aliases.length ? { aliases: [...new Set(aliases)] } : {}),
        ...(integer(entry.context_window) ? { contextWindow: integer(entry.context_window)! } : {}),
        ...(entry.deprecated === true ? { note: 'marked deprecated in genai-prices' } : {}),
        cards,
      }
      builder.add(info, model, entry.id)
    }
  }
  return builder.build()
}

/** genai-prices' `google` holds the Gemini API and Vertex AI's partner models (Claude) together. */
function providerFor(genaiId: string, modelId: string) {
  if (genaiId === 'google' && modelId.startsWith('claude'))
    return catalogProviderById('google-vertex')!
  return catalogProvider('genai-prices', genaiId)
}

function equalsRules(match: unknown, entry: string, builder: ImportBuilder): string[] {
  const out: string[] = []
  let patterns = 0
  const walk = (rule: unknown): void => {
    if (!isRecord(rule)) return
    for (const [kind, value] of Object.entries(rule)) {
      if (kind === 'equals' && typeof value === 'string') out.push(value)
      else if ((kind === 'or' || kind === 'and') && Array.isArray(value)) value.forEach(walk)
      else patterns++
    }
  }
  walk(match)
  if (patterns > 0)
    builder.warnings.push({
      entry,
      message: `${patterns} pattern match rule(s) not imported: only exact ids become aliases`,
    })
  return out
}

function cardsOf(
  prices: unknown,
  entry: string,
  source: string,
  snapshot: CatalogSnapshot,
  builder: ImportBuilder,
): RateCardData[] {
  const list = Array.isArray(prices) ? prices : [{ prices }]
  const base = (note: string | undefined, from: string): Omit<RateCardData, 'rates'> => ({
    from,
    source,
    checked: snapshot.snapshot,
    ...(note ? { note } : {}),
    catalog: { name: snapshot.catalog, snapshot: snapshot.snapshot },
  })
  const cards: RateCardData[] = []
  let pendingWindow: { card: RateCardData } | undefined
  list.forEach((conditional, index) => {
    if (!isRecord(conditional) || !isRecord(conditional.prices)) {
      builder.skipped.push({ entry, message: `prices[${index}]: expected an object of prices` })
      return
    }
    const constraint = isRecord(conditional.constraint) ? conditional.constraint : {}
    const converted = ratesOf(conditional.prices, `${entry} prices[${index}]`, builder)
    if (!converted) return
    const { rates, tiers } = converted
    for (const key of Object.keys(constraint))
      if (!['start_date', 'start_time', 'end_time'].includes(key))
        builder.unknownField(`constraint.${key}`)
    if (
      typeof constraint.start_time === 'string' &&
      typeof constraint.end_time === 'string' &&
      pendingWindow
    ) {
      // a daily time window (UTC) over the card before it
      const window: TimeWindow = {
        name: `${clock(constraint.start_time)}-${clock(constraint.end_time)} UTC`,
        timezone: 'UTC',
        start: clock(constraint.start_time),
        end: clock(constraint.end_time),
        rates,
      }
      ;(pendingWindow.card.windows ??= []).push(window)
      return
    }
    const startDate = typeof constraint.start_date === 'string' ? constraint.start_date : undefined
    const card: RateCardData = {
      ...base(
        startDate ? `from ${startDate} per genai-prices` : undefined,
        startDate ? `${startDate}T00:00:00Z` : snapshot.from,
      ),
      rates,
      ...(tiers.length ? { tiers } : {}),
    }
    cards.push(card)
    pendingWindow = { card }
  })
  // A price whose successor started on or before the snapshot date has no known start: report it.
  const froms = cards.map((card) => Date.parse(card.from))
  return cards
    .filter((card, index) => {
      const later = froms.slice(index + 1)
      if (!card.note && later.some((from) => from <= Date.parse(snapshot.from))) {
        builder.warnings.push({
          entry,
          message: `price before ${new Date(Math.min(...later)).toISOString().slice(0, 10)} has no start date in the catalog: not imported`,
        })
        return false
      }
      return true
    })
    .sort((a, b) => Date.parse(a.from) - Date.parse(b.from))
}

function clock(time: string): string {
  return time.slice(0, 5)
}

function ratesOf(
  prices: Record<string, unknown>,
  entry: string,
  builder: ImportBuilder,
): { rates: Rates; tiers: Tier[] } | null {
  const flat: Partial<Rates> = {}
  const tiered = new Map<number, Partial<Rates>>()
  const tieredFields: Array<{ field: keyof Rates; tiers: Array<{ start: number; rate: string }> }> =
    []
  for (const [key, value] of Object.entries(prices)) {
    const mapping = PRICE_FIELDS[key]
    if (!mapping) {
      builder.unknownField(`prices.${key}`)
      continue
    }
    if (isRecord(value)) {
      const baseText = numberText(value.base)
      const base = baseText === undefined ? undefined : toRate(baseText, mapping.shift)
      if (!base || 'problem' in base) {
        builder.warnings.push({
          entry,
          message: `${key}.base: ${base && 'problem' in base ? base.problem : 'missing'}`,
        })
        continue
      }
      flat[mapping.field] = base.rate
      const tiers: Array<{ start: number; rate: string }> = []
      for (const tier of Array.isArray(value.tiers) ? value.tiers : []) {
        const start = isRecord(tier) ? integer(tier.start) : undefined
        const priceText = isRecord(tier) ? numberText(tier.price) : undefined
        const rate = priceText === undefined ? undefined : toRate(priceText, mapping.shift)
        if (start === undefined || !rate || 'problem' in rate) {
          builder.warnings.push({
            entry,
            message: `${key}.tiers: a tier without a whole start and a price`,
          })
          continue
        }
        tiers.push({ start, rate: rate.rate })
        tiered.set(start, tiered.get(start) ?? {})
      }
      tieredFields.push({ field: mapping.field, tiers })
      continue
    }
    const text = numberText(value)
    const rate = text === undefined ? undefined : toRate(text, mapping.shift)
    if (!rate || 'problem' in rate) {
      builder.warnings.push({
        entry,
        message: `${key}: ${rate && 'problem' in rate ? rate.problem : 'not a number'}`,
      })
      continue
    }
    flat[mapping.field] = rate.rate
  }
  if (flat.input === undefined || flat.output === undefined) {
    builder.skipped.push({
      entry,
      message: 'no input and output token prices (not a token-priced model)',
    })
    return null
  }
  // Whole-request tiers: above each threshold, each field takes its highest tier not above it.
  const thresholds = [...tiered.keys()].sort((a, b) => a - b)
  const tiers: Tier[] = thresholds.map((above) => {
    const rates: Partial<Rates> = { ...flat }
    for (const { field, tiers: fieldTiers } of tieredFields) {
      const applicable = fieldTiers
        .filter((tier) => tier.start <= above)
        .sort((a, b) => b.start - a.start)[0]
      if (applicable) rates[field] = applicable.rate
    }
    return { above, rates: rates as Rates }
  })
  return { rates: flat as Rates, tiers }
}
