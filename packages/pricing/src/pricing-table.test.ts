import { describe, expect, it } from 'vitest'
import { testProvider } from './__fixtures__/test-provider.js'
import { explainPrice } from './explain.js'
import { PricingTable } from './pricing-table.js'
import type { Usage } from './usage.js'

const table = new PricingTable([{ data: testProvider(), files: ['acme.json'] }])
const usage = (partial: Partial<Usage>): Usage => ({
  inputTokens: 0,
  cacheReadTokens: 0,
  cacheWriteTokens: 0,
  outputTokens: 0,
  reasoningTokens: 0,
  ...partial,
})
const at = (iso: string) => new Date(iso)
const million = usage({ inputTokens: 1_000_000, outputTokens: 1_000_000 })

describe('history', () => {
  it('prices with the card in force at the instant', () => {
    // 2026-01-01 card: 1 + 2 = 3 per 1M in + 1M out; 2026-03-01 12:00 card: 0.5 + 1.5 = 2.
    expect(
      table.price({
        provider: 'acme',
        model: 'acme-chat',
        at: at('2026-02-01T10:00:00Z'),
        usage: million,
      })?.total,
    ).toBe('3')
    expect(
      table.price({
        provider: 'acme',
        model: 'acme-chat',
        at: at('2026-03-01T11:59:59Z'),
        usage: million,
      })?.total,
    ).toBe('3')
    expect(
      table.price({
        provider: 'acme',
        model: 'acme-chat',
        at: at('2026-03-01T12:00:00Z'),
        usage: million,
      })?.total,
    ).toBe('2')
  })

  it('has no price before the first card, and none for a model without cards', () => {
    expect(
      table.price({
        provider: 'acme',
        model: 'acme-chat',
        at: at('2025-12-31T23:59:59Z'),
        usage: million,
      }),
    ).toBeNull()
    expect(
      table.price({ provider: 'acme', model: 'acme-secret', at: at('2026-05-01'), usage: million }),
    ).toBeNull()
    expect(
      table.price({ provider: 'acme', model: 'nope', at: at('2026-05-01'), usage: million }),
    ).toBeNull()
    expect(
      table.price({ provider: 'nobody', model: 'acme-chat', at: at('2026-05-01'), usage: million }),
    ).toBeNull()
  })
})

describe('aliases', () => {
  it('resolves ids and aliases case-insensitively to the canonical model', () => {
    expect(table.resolveModel('acme', 'acme/acme-chat')).toMatchObject({
      model: { id: 'acme-chat' },
      matchedBy: 'alias',
    })
    expect(table.resolveModel('acme', 'ACME-CHAT-2026-01-01')?.model.id).toBe('acme-chat')
    expect(table.resolveModel('acme', 'acme-chat')?.matchedBy).toBe('id')
    const cost = table.price({
      provider: 'acme',
      model: 'acme/acme-chat',
      at: at('2026-03-02'),
      usage: million,
    })
    expect(cost?.card.id).toBe('acme/acme-chat@2026-03-01T12:00:00.000Z')
  })

  it('finds every provider serving a model through any alias', () => {
    expect(table.servingProviders('acme/acme-chat').map((r) => r.model.id)).toEqual(['acme-chat'])
    expect(table.servingProviders('unknown-model')).toEqual([])
  })

  it('detects the provider from a base URL, never guessing', () => {
    expect(table.detectProvider('https://api.acme.test/v1/')?.id).toBe('acme')
    expect(table.detectProvider('https://API.acme.test/v1/chat')?.id).toBe('acme')
    expect(table.detectProvider('https://api.acme.test')?.id).toBe('acme')
    expect(table.detectProvider('https://api.other.test/v1')).toBeUndefined()
  })
})

describe('tiers', () => {
  // acme-pro: 1.25 / 10 / cache 0.31 up to 200,000 prompt tokens; above: 2.5 / 15 / 0.625 for the WHOLE request.
  it('bills at the base rates up to the threshold, inclusive', () => {
    const cost = table.price({
      provider: 'acme',
      model: 'acme-pro',
      at: at('2026-05-01'),
      usage: usage({ inputTokens: 200_000, cacheReadTokens: 100_000, outputTokens: 1_000 }),
    })
    // 100,000 x 1.25/1M + 100,000 x 0.31/1M + 1,000 x 10/1M = 0.125 + 0.031 + 0.01
    expect(cost?.total).toBe('0.166')
    expect(cost?.card.tier).toBeUndefined()
  })

  it('bills the whole request at the tier rates one token above', () => {
    const cost = table.price({
      provider: 'acme',
      model: 'acme-pro',
      at: at('2026-05-01'),
      usage: usage({ inputTokens: 200_001, cacheReadTokens: 100_000, outputTokens: 1_000 }),
    })
    // 100,001 x 2.5/1M + 100,000 x 0.625/1M + 1,000 x 15/1M = 0.2500025 + 0.0625 + 0.015
    expect(cost?.total).toBe('0.3275025')
    expect(cost?.card.tier).toBe(200_000)
    expect(cost?.card.id).toBe('acme/acme-pro@2026-01-01T00:00:00.000Z+tier>200000')
  })
})

describe('time windows and service tiers', () => {
  it('applies the off-peak window across midnight', () => {
    const inside = table.price({
      provider: 'acme',
      model: 'acme-chat',
      at: at('2026-02-01T00:10:00Z'),
      usage: million,
    })
    expect(inside?.total).toBe('1.5')
    expect(inside?.card.window).toBe('off-peak')
    expect(
      table.price({
        provider: 'acme',
        model: 'acme-chat',
        at: at('2026-02-01T00:30:00Z'),
        usage: million,
      })?.total,
    ).toBe('3')
  })

  it('applies a weekday window in its own time zone', () => {
    // Monday 2026-05-04 10:00 in Beijing = 02:00 UTC: peak rates 4 + 16.
    expect(
      table.price({
        provider: 'acme',
        model: 'acme-weekday',
        at: at('2026-05-04T02:00:00Z'),
        usage: million,
      })?.total,
    ).toBe('20')
    expect(
      table.price({
        provider: 'acme',
        model: 'acme-weekday',
        at: at('2026-05-04T05:00:00Z'),
        usage: million,
      })?.total,
    ).toBe('10')
  })

  it('multiplies for batch, and has no price for a tier the card lacks', () => {
    const batch = table.price({
      provider: 'acme',
      model: 'acme-chat',
      at: at('2026-02-01T12:00:00Z'),
      usage: million,
      serviceTier: 'batch',
    })
    expect(batch?.total).toBe('1.5')
    expect(batch?.card.id).toBe('acme/acme-chat@2026-01-01T00:00:00.000Z+batch')
    expect(
      table.price({
        provider: 'acme',
        model: 'acme-chat',
        at: at('2026-02-01T12:00:00Z'),
        usage: million,
        serviceTier: 'flex',
      }),
    ).toBeNull()
    expect(
      table.price({
        provider: 'acme',
        model: 'acme-chat',
        at: at('2026-02-01T12:00:00Z'),
        usage: million,
        serviceTier: 'standard',
      })?.total,
    ).toBe('3')
  })
})

describe('cost parts', () => {
  it('splits fresh input, cache reads, 5m/1h cache writes and output', () => {
    const cost = table.price({
      provider: 'acme',
      model: 'acme-chat',
      at: at('2026-02-01T12:00:00Z'),
      usage: usage({
        inputTokens: 10_000,
        cacheReadTokens: 4_000,
        cacheWriteTokens: 3_000,
        cacheWrite1hTokens: 1_000,
        outputTokens: 500,
      }),
    })
    // fresh 3,000 x 1 = 0.003; reads 4,000 x 0.1 = 0.0004; writes 2,000 x 1.25 + 1,000 x 2 = 0.0045; output 500 x 2 = 0.001
    expect(cost?.breakdown).toEqual({
      input: '0.003',
      cacheRead: '0.0004',
      cacheWrite: '0.0045',
      output: '0.001',
    })
    expect(cost?.total).toBe('0.0089')
    // savings: 4,000 x (1 - 0.1) / 1M
    expect(cost?.cacheSavings).toBe('0.0036')
    expect(cost?.fallbacks).toEqual([])
  })

  it('prices cache reads at the input rate when the card has no cache-read rate, and says so', () => {
    const cost = table.price({
      provider: 'acme',
      model: 'acme-weekday',
      at: at('2026-05-04T05:00:00Z'),
      usage: usage({ inputTokens: 1_000_000, cacheReadTokens: 500_000 }),
    })
    expect(cost?.total).toBe('2')
    expect(cost?.fallbacks).toEqual(['cacheRead'])
    expect(cost?.notes[0]).toMatch(/no cache-read rate/)
  })

  it('bills reasoning at its own rate when the card has one', () => {
    const cost = table.price({
      provider: 'acme',
      model: 'acme-think',
      at: at('2026-05-01'),
      usage: usage({ inputTokens: 0, outputTokens: 1_000_000, reasoningTokens: 600_000 }),
    })
    // 400,000 x 4 + 600,000 x 3 per 1M = 1.6 + 1.8
    expect(cost?.breakdown.output).toBe('3.4')
  })

  it('rejects usages that break the subset rules', () => {
    expect(() =>
      table.price({
        provider: 'acme',
        model: 'acme-chat',
        at: at('2026-05-01'),
        usage: usage({ inputTokens: 5, cacheReadTokens: 6 }),
      }),
    ).toThrow('usage: cacheReadTokens + cacheWriteTokens (6) exceed inputTokens (5)')
    expect(() =>
      table.price({
        provider: 'acme',
        model: 'acme-chat',
        at: at('2026-05-01'),
        usage: usage({ outputTokens: 1, reasoningTokens: 2 }),
      }),
    ).toThrow('usage: reasoningTokens (2) exceed outputTokens (1)')
    expect(() =>
      table.price({
        provider: 'acme',
        model: 'acme-chat',
        at: at('2026-05-01'),
        usage: usage({ inputTokens: -1 }),
      }),
    ).toThrow('usage: inputTokens: expected a non-negative integer, got -1')
  })
})

describe('explain', () => {
  it('says which file, alias and card matched, and why', () => {
    const explanation = explainPrice(table, {
      provider: 'acme',
      model: 'acme/acme-chat',
      at: at('2026-02-01T20:00:00Z'),
      serviceTier: 'batch',
    })
    expect(explanation.priced).toBe(true)
    expect(explanation.steps).toEqual([
      'provider "acme" from acme.json',
      '"acme/acme-chat" is an alias of model "acme-chat"',
      'card from 2026-01-01T00:00:00.000Z is the latest not after 2026-02-01T20:00:00.000Z (1 later card not yet in force)',
      '2026-02-01T20:00:00.000Z is inside the "off-peak" window',
      'service tier "batch" applied',
    ])
    expect(explanation.rates).toEqual({ input: '0.25', output: '0.5', cacheRead: '0.025' })
  })

  it('explains why nothing matched', () => {
    expect(
      explainPrice(table, {
        provider: 'acme',
        model: 'acme-secret',
        at: at('2026-05-01'),
      }).steps.at(-1),
    ).toBe('the model has no rate card: its price is unknown, calls are recorded unpriced')
    expect(
      explainPrice(table, { provider: 'acme', model: 'acme-chat', at: at('2025-01-01') }).steps.at(
        -1,
      ),
    ).toBe(
      'no card is in force at 2025-01-01T00:00:00.000Z (the first card starts 2026-01-01T00:00:00.000Z)',
    )
  })
})
