/**
 * `priceCall` against an independent oracle: the oracle reads the curated `pricing/*.json` files
 * itself (no PricingTable, no computeCost), picks the model (served id, else requested, matching
 * ids and aliases without case) and the last card in force, and prices with bigint arithmetic: a
 * rate in USD per 1M tokens times 1e6 is picodollars per token, so a cost in picodollars is
 * tokens x rate x 1e6, exactly. Cards with time windows or prompt tiers, and service tiers, are
 * left to their own tests (the oracle says "skip").
 */
import { readFileSync } from 'node:fs'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { loadPricingTable } from './load-table.js'
import { priceCall, type CallToPrice } from './price-call.js'

interface RawCard {
  from: string
  rates: Record<string, string>
  windows?: unknown
  tiers?: unknown
  serviceTiers?: Record<string, unknown>
}
interface RawModel {
  id: string
  aliases?: string[]
  cards: RawCard[]
}

const PROVIDERS = ['deepseek', 'openrouter', 'tokenhub', 'openai'] as const
const files = Object.fromEntries(
  PROVIDERS.map((id) => [
    id,
    JSON.parse(readFileSync(new URL(`../../../pricing/${id}.json`, import.meta.url), 'utf8')) as {
      models: RawModel[]
    },
  ]),
)

/** micro-USD per 1M tokens = picodollars per token. */
const perToken = (rate: string): bigint => {
  const [whole, fraction = ''] = rate.split('.')
  return BigInt(whole!) * 1_000_000n + BigInt(fraction.padEnd(6, '0').slice(0, 6))
}

function oracle(call: CallToPrice): bigint | null | 'skip' {
  const models = files[call.provider]!.models
  const find = (name: string | null) =>
    name === null
      ? undefined
      : models.find((m) =>
          [m.id, ...(m.aliases ?? [])].some((n) => n.toLowerCase() === name.toLowerCase()),
        )
  const model = find(call.servedModel) ?? find(call.requestedModel)
  if (!model) return null
  const card = [...model.cards]
    .sort((a, b) => Date.parse(a.from) - Date.parse(b.from))
    .filter((c) => Date.parse(c.from) <= call.at.getTime())
    .pop()
  if (!card) return null
  if (card.windows || card.tiers) return 'skip'
  const tier = ['flex', 'priority', 'batch'].includes(call.serviceTier ?? '')
  if (tier) return 'skip'
  const r = card.rates
  const u = call.usage
  const input = perToken(r['input']!)
  const fresh = BigInt(u.inputTokens - u.cacheReadTokens - u.cacheWriteTokens)
  const cacheRead = BigInt(u.cacheReadTokens) * perToken(r['cacheRead'] ?? r['input']!)
  const output =
    r['reasoning'] === undefined
      ? BigInt(u.outputTokens) * perToken(r['output']!)
      : BigInt(u.outputTokens - u.reasoningTokens) * perToken(r['output']!) +
        BigInt(u.reasoningTokens) * perToken(r['reasoning'])
  return fresh * input + cacheRead + output
}

const table = loadPricingTable({ env: {} })

const namesOf = (provider: (typeof PROVIDERS)[number]) =>
  files[provider]!.models.flatMap((m) => [m.id, m.id.toUpperCase(), ...(m.aliases ?? [])])

const callArb = fc.constantFrom(...PROVIDERS).chain((provider) =>
  fc.record({
    provider: fc.constant<string>(provider),
    requestedModel: fc.constantFrom(...namesOf(provider), 'openrouter/auto', 'no-such-model-x'),
    servedModel: fc.option(fc.constantFrom(...namesOf(provider), 'acme/unknown-model'), {
      nil: null,
    }),
    at: fc
      .constantFrom(
        '2023-01-01T00:00:00Z',
        '2024-09-01T00:00:00Z',
        '2025-10-01T00:00:00Z',
        '2026-04-25T00:00:00Z',
        '2026-04-26T12:14:59.999Z',
        '2026-04-26T12:15:00Z',
        '2026-06-01T00:00:00Z',
      )
      .map((iso) => new Date(iso)),
    serviceTier: fc.constantFrom(null, 'default', 'standard', 'scale', 'flex', 'batch'),
    usage: fc
      .tuple(
        fc.integer({ min: 0, max: 2_000_000 }),
        fc.integer({ min: 0, max: 100 }),
        fc.integer({ min: 0, max: 200_000 }),
        fc.integer({ min: 0, max: 100 }),
      )
      .map(([input, cachedPct, output, reasoningPct]) => ({
        inputTokens: input,
        cacheReadTokens: Math.floor((input * cachedPct) / 100),
        cacheWriteTokens: 0,
        outputTokens: output,
        reasoningTokens: Math.floor((output * reasoningPct) / 100),
      })),
  }),
)

describe('priceCall', () => {
  it('agrees with an independent oracle on every call (served model first, then requested)', () => {
    let compared = 0
    fc.assert(
      fc.property(callArb, (call) => {
        const expected = oracle(call)
        if (expected === 'skip') return
        compared++
        const { cost } = priceCall(table, call)
        expect(cost === null ? null : cost.totalPico).toBe(expected)
      }),
      { numRuns: 3000, seed: 9 },
    )
    expect(compared).toBeGreaterThan(1500)
  })

  it('prices a routed call by the model served, not the router (the dashboard used to flag it)', () => {
    // OpenRouter DeepSeek V4 Flash (card of 2026-04-24): input 0.14, output 0.28 per 1M tokens.
    // 1,000,000 x 0.14/1M + 500,000 x 0.28/1M = 0.14 + 0.14 = 0.28
    const { resolved, cost } = priceCall(table, {
      provider: 'openrouter',
      requestedModel: 'openrouter/auto',
      servedModel: 'deepseek/deepseek-v4-flash',
      at: new Date('2026-05-01T00:00:00Z'),
      usage: {
        inputTokens: 1_000_000,
        cacheReadTokens: 0,
        cacheWriteTokens: 0,
        outputTokens: 500_000,
        reasoningTokens: 0,
      },
      serviceTier: null,
    })
    expect(resolved?.model.id).toBe('deepseek-v4-flash')
    expect(cost?.total).toBe('0.28')
  })

  it('is unpriced (null, never 0) for a model no file knows, and names no model', () => {
    const call = {
      provider: 'deepseek',
      requestedModel: 'deepseek-v9-experimental',
      servedModel: null,
      at: new Date('2026-05-01T00:00:00Z'),
      usage: {
        inputTokens: 10,
        cacheReadTokens: 0,
        cacheWriteTokens: 0,
        outputTokens: 1,
        reasoningTokens: 0,
      },
      serviceTier: null,
    }
    expect(priceCall(table, call)).toEqual({ resolved: null, cost: null })
  })
})
