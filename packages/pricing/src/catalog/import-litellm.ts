import type { ModelData, RateCardData, Rates, Tier } from '../schema.js'
import { canonicalModel, type KnownModels } from './canonical-model.js'
import { type CatalogImport, type CatalogSnapshot, ImportBuilder } from './catalog-import.js'
import { integer, isRecord, numberText, parseCatalogJson } from './catalog-json.js'
import { type CatalogProvider, catalogProvider } from './catalog-providers.js'
import { toRate } from './exact-decimal.js'

/** LiteLLM per-token cost fields (USD per token) -> table rate fields (USD per 1M tokens). */
const RATE_FIELDS: Record<string, keyof Rates> = {
  input_cost_per_token: 'input',
  output_cost_per_token: 'output',
  cache_read_input_token_cost: 'cacheRead',
  cache_creation_input_token_cost: 'cacheWrite5m',
  cache_creation_input_token_cost_above_1hr: 'cacheWrite1h',
  output_cost_per_reasoning_token: 'reasoning',
  input_cost_per_audio_token: 'audioInput',
  output_cost_per_audio_token: 'audioOutput',
  input_cost_per_image_token: 'imageInput',
}
const SERVICE_TIER_SUFFIX = { _batches: 'batch', _flex: 'flex', _priority: 'priority' } as const
const TIER_FIELD = /^(.+)_above_(\d+)k_tokens(_priority)?$/
/** Fields read for what they say about the model, not its price. */
const DESCRIPTIVE = new Set([
  'litellm_provider',
  'mode',
  'max_input_tokens',
  'max_output_tokens',
  'max_tokens',
  'source',
  'supported_endpoints',
  'supported_modalities',
  'supported_output_modalities',
  'prompt_cache_min_tokens',
  'metadata',
  'deprecation_date',
  'output_vector_size',
  'rpm',
  'tpm',
  'supported_regions',
  'comment',
  'provider_specific_entry',
  'use_openai_responses_path',
  'bedrock_output_config_effort_ceiling',
  'bedrock_converse_supports_strict_tools',
  'gemini_native_audio',
  'uses_embed_content',
  'gemini_audio_only_live',
  'web_search_billing_unit',
])
const REGION_FIELD = /^regional_processing_uplift_multiplier_([a-z]+)$/

/**
 * Converts LiteLLM's `model_prices_and_context_window.json` (an object of entries keyed by model,
 * costs in USD per token as JSON numbers) into the table's schema, exactly: `1.25e-06` per token is
 * `1.25` per 1M. `*_batches`, `*_flex` and `*_priority` costs become service tiers, `*_above_Nk_tokens`
 * costs whole-request tiers above N,000 prompt tokens, `regional_processing_uplift_multiplier_*`
 * regional multipliers. Costs per second, character, image, pixel, query or page are not token prices:
 * they are counted in `unknownFields`, and an entry with no per-token input and output price is
 * reported in `skipped`.
 */
export function importLitellm(
  text: string,
  snapshot: CatalogSnapshot,
  known: KnownModels,
): CatalogImport {
  const builder = new ImportBuilder(snapshot)
  const data = parseCatalogJson(text)
  if (!isRecord(data)) throw new Error('litellm: expected a JSON object of model entries')
  for (const [key, entry] of Object.entries(data)) {
    if (key === 'sample_spec' || key === 'last_updated') continue
    builder.entries++
    if (!isRecord(entry)) {
      builder.skipped.push({ entry: key, message: 'not an object' })
      continue
    }
    const litellmProvider =
      typeof entry.litellm_provider === 'string' ? entry.litellm_provider : undefined
    if (!litellmProvider) {
      builder.skipped.push({ entry: key, message: 'no litellm_provider' })
      continue
    }
    const info = catalogProvider('litellm', litellmProvider)
    const card = cardOf(key, entry, info, snapshot, builder)
    if (!card) continue
    const rawId = stripProviderPrefix(key, litellmProvider)
    const identity = canonicalModel(info.id, rawId, known)
    const aliases = [...new Set([...identity.aliases, ...(rawId !== key ? [key] : [])])].filter(
      (alias) => alias !== identity.id,
    )
    const model: ModelData = {
      id: identity.id,
      ...(aliases.length ? { aliases } : {}),
      ...(integer(entry.max_input_tokens)
        ? { contextWindow: integer(entry.max_input_tokens)! }
        : {}),
      ...(integer(entry.max_output_tokens) ? { maxOutput: integer(entry.max_output_tokens)! } : {}),
      ...(entry.supports_reasoning === true ? { reasoning: true } : {}),
      ...(typeof entry.deprecation_date === 'string'
        ? { note: `deprecation date ${entry.deprecation_date} per LiteLLM` }
        : {}),
      cards: [card],
    }
    builder.add(info, model, rawId)
  }
  return builder.build()
}

/** `groq/llama-3.1-8b-instant` -> `llama-3.1-8b-instant`; `openrouter/deepseek/x` -> `deepseek/x`. */
function stripProviderPrefix(key: string, litellmProvider: string): string {
  const first = key.split('/')[0]!
  const prefixes = new Set([
    litellmProvider,
    litellmProvider.replace(/-.*$/, ''),
    litellmProvider.replace(/_.*$/, ''),
    'vertex_ai',
    'bedrock',
    'azure',
    'fireworks_ai',
    'together_ai',
  ])
  return key.includes('/') && prefixes.has(first) ? key.slice(first.length + 1) : key
}

function cardOf(
  key: string,
  entry: Record<string, unknown>,
  info: CatalogProvider,
  snapshot: CatalogSnapshot,
  builder: ImportBuilder,
): RateCardData | null {
  const rates: Partial<Rates> = {}
  const serviceTiers: Record<string, Partial<Rates>> = {}
  const tiers = new Map<number, Partial<Rates>>()
  const priorityTiers = new Map<number, Partial<Rates>>()
  const regions: Record<string, { multiplier: string }> = {}
  const convert = (field: string, value: unknown, shift = 6): string | undefined => {
    const text = numberText(value)
    const rate = text === undefined ? undefined : toRate(text, shift)
    if (!rate || 'problem' in rate) {
      builder.warnings.push({
        entry: key,
        message: `${field}: ${rate && 'problem' in rate ? rate.problem : 'not a number'}`,
      })
      return undefined
    }
    return rate.rate
  }
  for (const [field, value] of Object.entries(entry)) {
    if (DESCRIPTIVE.has(field) || field.startsWith('supports_')) continue
    const direct = RATE_FIELDS[field]
    if (direct) {
      const rate = convert(field, value)
      if (rate !== undefined) rates[direct] = rate
      continue
    }
    if (field === 'input_cost_per_request') {
      const rate = convert(field, value, 0)
      if (rate !== undefined) rates.request = rate
      continue
    }
    const tierMatch = TIER_FIELD.exec(field)
    if (tierMatch && RATE_FIELDS[tierMatch[1]!]) {
      const rate = convert(field, value)
      const target = tierMatch[3] ? priorityTiers : tiers
      const above = Number(tierMatch[2]) * 1000
      if (rate !== undefined)
        target.set(above, { ...target.get(above), [RATE_FIELDS[tierMatch[1]!]!]: rate })
      continue
    }
    const suffix = (
      Object.keys(SERVICE_TIER_SUFFIX) as Array<keyof typeof SERVICE_TIER_SUFFIX>
    ).find((s) => field.endsWith(s))
    if (suffix && RATE_FIELDS[field.slice(0, -suffix.length)]) {
      const rate = convert(field, value)
      const tier = SERVICE_TIER_SUFFIX[suffix]
      if (rate !== undefined)
        serviceTiers[tier] = {
          ...serviceTiers[tier],
          [RATE_FIELDS[field.slice(0, -suffix.length)]!]: rate,
        }
      continue
    }
    const region = REGION_FIELD.exec(field)
    if (region) {
      const text = numberText(value)
      if (text && /^\d+(\.\d{1,6})?$/.test(text)) regions[region[1]!] = { multiplier: text }
      else builder.warnings.push({ entry: key, message: `${field}: not a decimal multiplier` })
      continue
    }
    builder.unknownField(field)
  }
  if (rates.input === undefined || rates.output === undefined) {
    builder.skipped.push({
      entry: key,
      message: `no per-token input and output price (mode ${String(entry.mode)})`,
    })
    return null
  }
  // A service tier keeps only the rates LiteLLM states (a cache rate it omits falls back to the
  // tier's input rate when priced, and the cost says so); it must state input and output.
  const complete = (partial: Partial<Rates>): Rates | null =>
    partial.input !== undefined && partial.output !== undefined ? (partial as Rates) : null
  const base = rates as Rates
  // Above a prompt size, a rate LiteLLM does not restate (often output) is the base rate.
  const tierList: Tier[] = [...tiers.entries()]
    .sort(([a], [b]) => a - b)
    .map(([above, partial]) => ({ above, rates: { ...base, ...partial } as Rates }))
  const variants: NonNullable<RateCardData['serviceTiers']> = {}
  for (const [tier, partial] of Object.entries(serviceTiers)) {
    const full = complete(partial)
    if (full) variants[tier as 'batch'] = { rates: full }
    else
      builder.warnings.push({
        entry: key,
        message: `${tier} tier without input or output price: not imported`,
      })
  }
  if (priorityTiers.size)
    builder.warnings.push({
      entry: key,
      message:
        'priority prices above a prompt size are not imported (the priority tier uses the base priority rates)',
    })
  // LiteLLM's `source` is sometimes a URL followed by words ("... (Vertex AI Model Garden)"): keep the URL.
  const entryUrl =
    typeof entry.source === 'string' ? /^(https?:\/\/\S+)/.exec(entry.source)?.[1] : undefined
  const source = entryUrl ?? info.pricingUrl ?? snapshot.url
  return {
    from: snapshot.from,
    source,
    checked: snapshot.snapshot,
    note: `LiteLLM entry ${key}`,
    catalog: { name: snapshot.catalog, snapshot: snapshot.snapshot },
    rates: base,
    ...(tierList.length ? { tiers: tierList } : {}),
    ...(Object.keys(variants).length ? { serviceTiers: variants } : {}),
    ...(Object.keys(regions).length ? { regions } : {}),
  }
}
