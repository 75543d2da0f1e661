import type { ModelData, Rates } from '../schema.js'
import { canonicalModel, type KnownModels } from './canonical-model.js'
import { type CatalogImport, type CatalogSnapshot, ImportBuilder } from './catalog-import.js'
import { integer, isRecord, numberText, parseCatalogJson } from './catalog-json.js'
import { catalogProviderById } from './catalog-providers.js'
import { toRate } from './exact-decimal.js'

/** OpenRouter `pricing` fields: per-token USD strings, except `request` (USD per request). */
const PRICING_FIELDS: Record<string, { field: keyof Rates; shift: number }> = {
  prompt: { field: 'input', shift: 6 },
  completion: { field: 'output', shift: 6 },
  input_cache_read: { field: 'cacheRead', shift: 6 },
  input_cache_write: { field: 'cacheWrite5m', shift: 6 },
  internal_reasoning: { field: 'reasoning', shift: 6 },
  audio: { field: 'audioInput', shift: 6 },
  request: { field: 'request', shift: 0 },
}
const ENTRY_FIELDS = new Set([
  'id',
  'canonical_slug',
  'hugging_face_id',
  'name',
  'created',
  'description',
  'context_length',
  'architecture',
  'pricing',
  'top_provider',
  'per_request_limits',
  'supported_parameters',
  'default_parameters',
  'expiration_date',
  'links',
])

/**
 * Converts OpenRouter's `GET /api/v1/models` listing (`{ data: [...] }`, prices as per-token decimal
 * strings) into the table's openrouter provider, exactly: `"0.00000014"` per token is `0.14` per 1M.
 * `request` is a fee per request; `image` and `web_search` are priced per image and per search, not
 * per token, so a non-zero value is reported as a warning. A negative price (OpenRouter writes `-1`
 * for routers such as `openrouter/auto`, whose price depends on the model chosen) skips the entry.
 */
export function importOpenrouter(
  text: string,
  snapshot: CatalogSnapshot,
  known: KnownModels,
): CatalogImport {
  const builder = new ImportBuilder(snapshot)
  const data = parseCatalogJson(text)
  const list =
    isRecord(data) && Array.isArray(data.data) ? data.data : Array.isArray(data) ? data : null
  if (!list) throw new Error('openrouter: expected the /api/v1/models listing, { "data": [...] }')
  const info = catalogProviderById('openrouter')!
  for (const entry of list) {
    builder.entries++
    if (!isRecord(entry) || typeof entry.id !== 'string' || !isRecord(entry.pricing)) {
      builder.skipped.push({
        entry: isRecord(entry) ? String(entry.id) : '?',
        message: 'no id or no pricing',
      })
      continue
    }
    const id = entry.id
    for (const key of Object.keys(entry)) if (!ENTRY_FIELDS.has(key)) builder.unknownField(key)
    const rates: Partial<Rates> = {}
    let negative = false
    for (const [key, value] of Object.entries(entry.pricing)) {
      const mapping = PRICING_FIELDS[key]
      if (typeof value === 'string' && value.trim().startsWith('-')) negative = true
      if (!mapping) {
        const text = numberText(value)
        if (text !== undefined && /[1-9]/.test(text))
          builder.warnings.push({
            entry: id,
            message: `pricing.${key} (${text}) is not a token price: not imported`,
          })
        else if (text === undefined) builder.unknownField(`pricing.${key}`)
        continue
      }
      const text = numberText(value)
      const rate = text === undefined ? undefined : toRate(text, mapping.shift)
      if (!rate || 'problem' in rate) {
        if (!negative)
          builder.warnings.push({
            entry: id,
            message: `pricing.${key}: ${rate && 'problem' in rate ? rate.problem : 'not a decimal string'}`,
          })
        continue
      }
      // OpenRouter writes "0" for a part the model does not bill separately: keep real rates only.
      if (mapping.field !== 'input' && mapping.field !== 'output' && rate.rate === '0') continue
      rates[mapping.field] = rate.rate
    }
    if (negative) {
      builder.skipped.push({
        entry: id,
        message: 'a negative price: the cost depends on the routed model',
      })
      continue
    }
    if (rates.input === undefined || rates.output === undefined) {
      builder.skipped.push({ entry: id, message: 'no prompt and completion price' })
      continue
    }
    const identity = canonicalModel(info.id, id, known)
    const topProvider = isRecord(entry.top_provider) ? entry.top_provider : {}
    const model: ModelData = {
      id: identity.id,
      ...(typeof entry.name === 'string' ? { name: entry.name } : {}),
      ...(identity.aliases.length ? { aliases: identity.aliases } : {}),
      ...(integer(entry.context_length) ? { contextWindow: integer(entry.context_length)! } : {}),
      ...(integer(topProvider.max_completion_tokens)
        ? { maxOutput: integer(topProvider.max_completion_tokens)! }
        : {}),
      cards: [
        {
          from: snapshot.from,
          source: `https://openrouter.ai/${id}`,
          checked: snapshot.snapshot,
          catalog: { name: snapshot.catalog, snapshot: snapshot.snapshot },
          rates: rates as Rates,
        },
      ],
    }
    builder.add(info, model, id)
  }
  return builder.build()
}
