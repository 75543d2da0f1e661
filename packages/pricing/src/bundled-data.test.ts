import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
// @ts-expect-error: a plain .mjs build script without types
import { renderBundledData } from '../scripts/bundle-data.mjs'
import { providerJsonSchema } from './json-schema.js'
import { loadPricingTable } from './load-table.js'

const table = loadPricingTable({ env: {}, layers: [] })
const curatedOnly = loadPricingTable({ env: {}, layers: [], catalogs: false })
const usage = (input: number, cacheRead: number, output: number) => ({
  inputTokens: input,
  cacheReadTokens: cacheRead,
  cacheWriteTokens: 0,
  outputTokens: output,
  reasoningTokens: 0,
})

describe('the bundled pricing table', () => {
  it('is generated from pricing/*.json and up to date', () => {
    const committed = readFileSync(new URL('./bundled-data.generated.ts', import.meta.url), 'utf8')
    expect(committed, 'run `pnpm generate`').toBe(renderBundledData())
  })

  it('has an up-to-date JSON Schema beside the data', () => {
    const committed = JSON.parse(
      readFileSync(new URL('../../../pricing/provider.schema.json', import.meta.url), 'utf8'),
    )
    expect(committed, 'run `pnpm build && pnpm generate`').toEqual(providerJsonSchema())
  })

  it('cites a URL a user can open as the source of every bundled card', () => {
    for (const provider of table.providers()) {
      for (const model of provider.models) {
        for (const card of model.cards)
          expect(card.source, `${provider.id}/${model.id}`).toMatch(/^https?:\/\/\S+$/)
      }
    }
  })

  it('serves DeepSeek V4 Flash from several providers', () => {
    const providers = curatedOnly
      .servingProviders('deepseek-v4-flash')
      .map((offer) => offer.provider.id)
      .sort()
    expect(providers).toEqual(['deepseek', 'openrouter', 'oxen', 'tokenhub'])
    // the catalog layers add the providers the curated files do not cover, never replacing one
    const all = table.servingProviders('deepseek-v4-flash').map((offer) => offer.provider.id)
    expect(all.slice(0, 4)).toEqual(['deepseek', 'openrouter', 'oxen', 'tokenhub'])
    expect(all).toEqual(expect.arrayContaining(['fireworks', 'azure-ai', 'doubleword']))
  })

  it('prices OpenRouter deepseek/deepseek-v4-flash at the seed prices on 2026-05-01', () => {
    // 1M input x 0.14 + 1M output x 0.28 = 0.42
    const cost = table.price({
      provider: 'openrouter',
      model: 'deepseek/deepseek-v4-flash',
      at: new Date('2026-05-01T00:00:00Z'),
      usage: usage(1_000_000, 0, 1_000_000),
    })
    expect(cost?.total).toBe('0.42')
    expect(cost?.card.source).toBe('https://openrouter.ai/deepseek/deepseek-v4-flash')
  })

  it('prices TokenHub cache reads at their own rate', () => {
    // 600,000 fresh x 0.15 + 400,000 cache reads x 0.003 per 1M = 0.09 + 0.0012
    const cost = table.price({
      provider: 'tokenhub',
      model: 'deepseek-v4-flash',
      at: new Date('2026-05-01T00:00:00Z'),
      usage: usage(1_000_000, 400_000, 0),
    })
    expect(cost?.total).toBe('0.0912')
    expect(cost?.breakdown).toEqual({
      input: '0.09',
      cacheRead: '0.0012',
      cacheWrite: '0',
      output: '0',
    })
  })

  it('knows Oxen.ai serves V4 Flash and Pro without inventing a price', () => {
    expect(table.resolveModel('oxen', 'deepseek-v4-pro')?.model.cards).toEqual([])
    expect(
      table.price({
        provider: 'oxen',
        model: 'deepseek-v4-flash',
        at: new Date('2026-05-01'),
        usage: usage(1000, 0, 1000),
      }),
    ).toBeNull()
  })

  it('follows DeepSeek V4 Flash history: the cache-hit price cut of 2026-04-26 12:15 UTC', () => {
    const at = (iso: string) => new Date(iso)
    const hit = usage(1_000_000, 1_000_000, 0)
    expect(
      table.price({
        provider: 'deepseek',
        model: 'deepseek-v4-flash',
        at: at('2026-04-26T12:14:59Z'),
        usage: hit,
      })?.total,
    ).toBe('0.028')
    expect(
      table.price({
        provider: 'deepseek',
        model: 'deepseek-v4-flash',
        at: at('2026-04-26T12:15:00Z'),
        usage: hit,
      })?.total,
    ).toBe('0.0028')
  })

  it('applies DeepSeek V3 off-peak pricing before 2025-09-05 16:00 UTC and not after', () => {
    const million = usage(1_000_000, 0, 1_000_000)
    // standard 0.27 + 1.10; off-peak 0.135 + 0.55; after the change 0.56 + 1.68
    expect(
      table.price({
        provider: 'deepseek',
        model: 'deepseek-chat',
        at: new Date('2025-06-02T12:00:00Z'),
        usage: million,
      })?.total,
    ).toBe('1.37')
    expect(
      table.price({
        provider: 'deepseek',
        model: 'deepseek-chat',
        at: new Date('2025-06-02T17:00:00Z'),
        usage: million,
      })?.total,
    ).toBe('0.685')
    expect(
      table.price({
        provider: 'deepseek',
        model: 'deepseek-chat',
        at: new Date('2025-09-05T17:00:00Z'),
        usage: million,
      })?.total,
    ).toBe('2.24')
  })

  it('prices a model only a catalog knows from its layer, with its catalog and snapshot', () => {
    // groq llama-3.1-8b-instant: 0.05 / 0.08 per 1M in LiteLLM (2026-07-24) and genai-prices (2026-09-01)
    const cost = table.price({
      provider: 'groq',
      model: 'llama-3.1-8b-instant',
      at: new Date('2026-08-01T00:00:00Z'),
      usage: usage(1_000_000, 0, 1_000_000),
    })
    expect(cost?.total).toBe('0.13')
    expect(cost?.card.from).toBe('2026-07-24T00:00:00.000Z')
    expect(
      table.price({
        provider: 'groq',
        model: 'llama-3.1-8b-instant',
        at: new Date('2026-07-23T23:59:59Z'),
        usage: usage(1, 0, 1),
      }),
    ).toBeNull()
    expect(
      curatedOnly.price({
        provider: 'groq',
        model: 'llama-3.1-8b-instant',
        at: new Date('2026-08-01'),
        usage: usage(1, 0, 1),
      }),
    ).toBeNull()
  })

  it('keeps curated cards over the catalogs, card by card', () => {
    // gpt-4o-2024-05-13: curated 5 / 15; genai-prices says 2.5 / 10 (wrong, explained in the card's note)
    const at = new Date('2026-10-01T00:00:00Z')
    expect(
      table.price({
        provider: 'openai',
        model: 'gpt-4o-2024-05-13',
        at,
        usage: usage(1_000_000, 0, 1_000_000),
      })?.total,
    ).toBe('20')
  })

  it('detects providers from their API base URLs', () => {
    expect(table.detectProvider('https://api.deepseek.com/v1')?.id).toBe('deepseek')
    expect(table.detectProvider('https://openrouter.ai/api/v1')?.id).toBe('openrouter')
    expect(table.detectProvider('https://hub.oxen.ai/api/ai')?.id).toBe('oxen')
    expect(table.detectProvider('https://tokenhub.store/api/v1')?.id).toBe('tokenhub')
    // catalog providers, by base URL and by host pattern (per-account hosts)
    expect(table.detectProvider('https://api.groq.com/openai/v1')?.id).toBe('groq')
    expect(table.detectProvider('https://api.mistral.ai/v1')?.id).toBe('mistral')
    expect(table.detectProvider('https://api.x.ai/v1')?.id).toBe('xai')
    expect(
      table.detectProvider('https://my-resource.openai.azure.com/openai/deployments/gpt-4o')?.id,
    ).toBe('azure-openai')
    expect(table.detectProvider('https://bedrock-runtime.eu-west-1.amazonaws.com')?.id).toBe(
      'aws-bedrock',
    )
    expect(table.detectProvider('https://us-central1-aiplatform.googleapis.com/v1')?.id).toBe(
      'google-vertex',
    )
    expect(table.detectProvider('https://evil.example/openai.azure.com')).toBeUndefined()
  })
})
