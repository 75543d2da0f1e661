import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { knownModels } from './canonical-model.js'
import { importGenaiPrices } from './import-genai-prices.js'
import { importLitellm } from './import-litellm.js'
import { importOpenrouter } from './import-openrouter.js'

const sources = new URL('../../../../pricing/catalog/sources/', import.meta.url)
const read = (name: string) => readFileSync(new URL(name, sources), 'utf8')
const known = knownModels([])
const snapshot = (catalog: 'genai-prices' | 'litellm' | 'openrouter') => ({
  catalog,
  snapshot: '2026-09-01',
  from: '2026-09-01T00:00:00Z',
  url: `https://catalog.test/${catalog}`,
})

/** Picks entries out of the real snapshot by provider and model id, keeping their number text. */
function genaiSample(picks: Array<[provider: string, model: string]>): string {
  const data = JSON.parse(read('genai-prices-data.json')) as Array<{
    id: string
    models: Array<{ id: string }>
  }>
  // Re-serialised: these entries' prices have few digits, which JSON.stringify writes back as the
  // file spells them (0.135 stays 0.135), so the importer still reads the catalog's own text.
  const providers = picks.map(([providerId, modelId]) => {
    const provider = data.find((p) => p.id === providerId)
    const model = provider?.models.find((m) => m.id === modelId)
    if (!provider || !model) throw new Error(`${providerId}/${modelId} is not in the snapshot`)
    return { ...provider, models: [model] }
  })
  return JSON.stringify(providers)
}

describe('genai-prices import, on entries of the 2026-09-01 snapshot', () => {
  const result = importGenaiPrices(
    genaiSample([
      ['deepseek', 'deepseek-chat'],
      ['google', 'gemini-2.5-pro'],
      ['perplexity', 'sonar'],
      ['openai', 'o3'],
    ]),
    snapshot('genai-prices'),
    known,
  )
  const model = (provider: string, id: string) =>
    result.providers.find((p) => p.id === provider)?.models.find((m) => m.id === id)

  it('turns a UTC time constraint into a window over the base card', () => {
    // deepseek-chat: base 0.135 / 0.035 / 0.55 (off-peak); 00:30-16:30 UTC: 0.27 / 0.07 / 1.1
    expect(model('deepseek', 'deepseek-chat')?.cards).toEqual([
      {
        from: '2026-09-01T00:00:00Z',
        source: 'https://api-docs.deepseek.com/quick_start/pricing',
        checked: '2026-09-01',
        catalog: { name: 'genai-prices', snapshot: '2026-09-01' },
        rates: { input: '0.135', cacheRead: '0.035', output: '0.55' },
        windows: [
          {
            name: '00:30-16:30 UTC',
            timezone: 'UTC',
            start: '00:30',
            end: '16:30',
            rates: { input: '0.27', cacheRead: '0.07', output: '1.1' },
          },
        ],
      },
    ])
  })

  it('turns per-field tiers into a whole-request tier', () => {
    // gemini-2.5-pro: 1.25 / 0.125 / 10, above 200,000: 2.5 / 0.25 / 15
    const card = model('google', 'gemini-2.5-pro')?.cards[0]
    expect(card?.rates).toEqual({ input: '1.25', cacheRead: '0.125', output: '10' })
    expect(card?.tiers).toEqual([
      { above: 200_000, rates: { input: '2.5', cacheRead: '0.25', output: '15' } },
    ])
  })

  it('turns a price per 1,000 requests into a fee per request', () => {
    // sonar: requests_kcount 12 -> 12 / 1,000 = 0.012 per request
    expect(model('perplexity', 'sonar')?.cards[0]?.rates).toEqual({
      input: '1',
      output: '1',
      request: '0.012',
    })
  })

  it('keeps dated history and reports a price with no known start instead of inventing one', () => {
    // o3: 10 / 0.5 / 40 before 2025-06-10 (no start date), 2 / 0.5 / 8 from 2025-06-10
    const cards = model('openai', 'o3')?.cards
    expect(cards?.map((card) => [card.from, card.rates])).toEqual([
      ['2025-06-10T00:00:00Z', { input: '2', cacheRead: '0.5', output: '8' }],
    ])
    expect(result.warnings).toContainEqual({
      entry: 'openai/o3',
      message: 'price before 2025-06-10 has no start date in the catalog: not imported',
    })
  })

  it('reports pattern match rules instead of turning them into guesses', () => {
    expect(
      result.warnings.some(
        (w) => w.entry === 'google/gemini-2.5-pro' && /pattern match rule/.test(w.message),
      ),
    ).toBe(true)
  })
})

describe('LiteLLM import, on entries of the 2026-07-24 snapshot', () => {
  const all = JSON.parse(read('litellm-model-prices.json')) as Record<string, unknown>
  const raw = read('litellm-model-prices.json')
  const pick = (keys: string[]) => {
    // Cut each picked entry out of the raw text, so its numbers keep their spelling (5e-08).
    const parts = keys.map((key) => {
      const start = raw.indexOf(`"${key}": {`)
      const end = raw.indexOf('\n  }', start) + 4
      if (start < 0 || all[key] === undefined) throw new Error(`${key} is not in the snapshot`)
      return raw.slice(start, end)
    })
    return `{${parts.join(',')}, "made_up/entry": {"litellm_provider": "openai", "mode": "chat", "input_cost_per_token": 1e-06, "output_cost_per_token": 2e-06, "output_cost_per_widget": 0.5}}`
  }
  const result = importLitellm(
    pick(['groq/llama-3.1-8b-instant', 'gpt-5.6', 'dall-e-3']),
    snapshot('litellm'),
    known,
  )
  const model = (provider: string, id: string) =>
    result.providers.find((p) => p.id === provider)?.models.find((m) => m.id === id)

  it('converts per-token costs to per-1M decimals exactly', () => {
    // 5e-08 x 1,000,000 = 0.05; 8e-08 x 1,000,000 = 0.08
    const llama = model('groq', 'llama-3.1-8b-instant')
    expect(llama?.aliases).toEqual(['groq/llama-3.1-8b-instant'])
    expect(llama?.contextWindow).toBe(128_000)
    expect(llama?.cards[0]?.rates).toEqual({ input: '0.05', output: '0.08' })
    expect(llama?.cards[0]?.source).toBe('https://groq.com/pricing/')
  })

  it('maps long-context tiers, batch / flex / priority tiers and regional uplifts', () => {
    // gpt-5.6: 5e-06 -> 5, 3e-05 -> 30, 5e-07 -> 0.5, 6.25e-06 -> 6.25; above 272k: 10 / 45 / 1 / 12.5
    const card = model('openai', 'gpt-5.6')?.cards[0]
    expect(card?.rates).toEqual({
      input: '5',
      output: '30',
      cacheRead: '0.5',
      cacheWrite5m: '6.25',
    })
    expect(card?.tiers).toEqual([
      {
        above: 272_000,
        rates: { input: '10', output: '45', cacheRead: '1', cacheWrite5m: '12.5' },
      },
    ])
    // batches 2.5e-06 / 1.5e-05 -> 2.5 / 15; flex 3.125e-06 cache write -> 3.125
    expect(card?.serviceTiers?.batch).toEqual({ rates: { input: '2.5', output: '15' } })
    expect(card?.serviceTiers?.flex).toEqual({
      rates: { input: '2.5', output: '15', cacheRead: '0.25', cacheWrite5m: '3.125' },
    })
    expect(card?.serviceTiers?.priority).toEqual({
      rates: { input: '10', output: '60', cacheRead: '1', cacheWrite5m: '12.5' },
    })
    expect(card?.regions).toEqual({ eu: { multiplier: '1.1' }, us: { multiplier: '1.1' } })
  })

  it('reports fields it does not convert and entries without token prices', () => {
    expect(result.unknownFields).toEqual({ input_cost_per_image: 1, output_cost_per_widget: 1 })
    expect(result.skipped).toEqual([
      { entry: 'dall-e-3', message: 'no per-token input and output price (mode image_generation)' },
    ])
    expect(result.counts).toEqual({ entries: 4, models: 3 })
  })
})

describe('OpenRouter listing import, on a hand-written fixture of its documented shape', () => {
  const result = importOpenrouter(
    readFileSync(
      new URL('./__fixtures__/openrouter-models.handwritten.json', import.meta.url),
      'utf8',
    ),
    snapshot('openrouter'),
    known,
  )
  const models = result.providers[0]!.models

  it('converts per-token decimal strings exactly and names the model page as source', () => {
    // "0.00000014" x 1e6 = 0.14; "0.0000000028" x 1e6 = 0.0028; "0" cache write: not billed apart, left out
    const chat = models.find((m) => m.id === 'acme-chat-1')
    expect(chat).toMatchObject({
      aliases: ['acme/acme-chat-1'],
      contextWindow: 131_072,
      maxOutput: 32_768,
    })
    expect(chat?.cards).toEqual([
      {
        from: '2026-09-01T00:00:00Z',
        source: 'https://openrouter.ai/acme/acme-chat-1',
        checked: '2026-09-01',
        catalog: { name: 'openrouter', snapshot: '2026-09-01' },
        rates: { input: '0.14', output: '0.28', cacheRead: '0.0028' },
      },
    ])
  })

  it('keeps the per-request fee and audio rate, and reports per-search prices and new fields', () => {
    // request "0.005" is USD per request (no scaling); audio "0.00004" per token = 40 per 1M
    expect(models.find((m) => m.id === 'acme-search')?.cards[0]?.rates).toEqual({
      input: '1',
      output: '1',
      request: '0.005',
      audioInput: '40',
    })
    expect(result.warnings).toContainEqual({
      entry: 'acme/acme-search',
      message: 'pricing.web_search (0.004) is not a token price: not imported',
    })
    expect(result.unknownFields).toEqual({ new_field_from_the_future: 1 })
  })

  it('skips routers priced -1 and reports a rate finer than the table holds', () => {
    expect(result.skipped).toEqual([
      {
        entry: 'openrouter/auto',
        message: 'a negative price: the cost depends on the routed model',
      },
      { entry: 'acme/acme-tiny', message: 'no prompt and completion price' },
    ])
    expect(models.find((m) => m.id === 'acme-free:free')?.cards[0]?.rates).toEqual({
      input: '0',
      output: '0',
    })
    expect(result.warnings).toContainEqual({
      entry: 'acme/acme-tiny',
      message: 'pricing.prompt: 0.0000001 per 1M has more than 6 decimal places',
    })
    expect(models.map((m) => m.id).sort()).toEqual(['acme-chat-1', 'acme-free:free', 'acme-search'])
  })
})
