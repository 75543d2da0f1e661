import { loadPricingTable, type Usage } from '@tokenledger/pricing'
import { describe, expect, it } from 'vitest'

// The curated cards for the 2026 models (pricing/openai.json, anthropic.json, google.json): each
// figure is computed by hand in the comment above it, rates in USD per 1M tokens.
const table = loadPricingTable({ env: {}, layers: [] })
const usage = (
  input: number,
  cached: number,
  output: number,
  extra: Partial<Usage> = {},
): Usage => ({
  inputTokens: input,
  cacheReadTokens: cached,
  cacheWriteTokens: 0,
  outputTokens: output,
  reasoningTokens: 0,
  ...extra,
})
const price = (
  provider: string,
  model: string,
  iso: string,
  u: Usage,
  serviceTier?: 'batch' | 'flex' | 'priority',
) =>
  table.price({
    provider,
    model,
    at: new Date(iso),
    usage: u,
    ...(serviceTier ? { serviceTier } : {}),
  })

describe('OpenAI GPT-5.4 and GPT-5.5', () => {
  it('prices GPT-5.4 at its short-context rates up to 272K prompt tokens', () => {
    // 80,000 fresh x 2.50 = 0.20; 20,000 cached x 0.25 = 0.005; 10,000 out x 15 = 0.15
    expect(
      price('openai', 'gpt-5.4', '2026-06-01T00:00:00Z', usage(100_000, 20_000, 10_000))?.total,
    ).toBe('0.355')
    // exactly 272,000 prompt tokens is not above the tier: 272,000 x 2.50 = 0.68
    expect(price('openai', 'gpt-5.4', '2026-06-01T00:00:00Z', usage(272_000, 0, 0))?.total).toBe(
      '0.68',
    )
  })

  it('bills the WHOLE GPT-5.4 request at 2x input, 1.5x output above 272K prompt tokens', () => {
    // 272,001 x 5.00 = 1.360005
    expect(price('openai', 'gpt-5.4', '2026-06-01T00:00:00Z', usage(272_001, 0, 0))?.total).toBe(
      '1.360005',
    )
    // 200,000 fresh x 5.00 = 1.00; 100,000 cached x 0.50 = 0.05; 10,000 out x 22.50 = 0.225
    const long = price('openai', 'gpt-5.4', '2026-06-01T00:00:00Z', usage(300_000, 100_000, 10_000))
    expect(long?.total).toBe('1.275')
    expect(long?.card.tier).toBe(272000)
    expect(long?.card.source).toBe('https://developers.openai.com/api/docs/pricing')
  })

  it('prices GPT-5.5 above 272K and at its batch and 2.5x priority rates', () => {
    const at = '2026-06-01T00:00:00Z'
    // 400,000 x 10 = 4.00; 20,000 out x 45 = 0.90
    expect(price('openai', 'gpt-5.5', at, usage(400_000, 0, 20_000))?.total).toBe('4.9')
    // priority: 100,000 in x 12.50 = 1.25; 100,000 out x 75 = 7.50
    expect(price('openai', 'gpt-5.5', at, usage(100_000, 0, 100_000), 'priority')?.total).toBe(
      '8.75',
    )
    // batch: half of 100,000 x 5 = 0.50 and 100,000 x 30 = 3.00
    expect(price('openai', 'gpt-5.5', at, usage(100_000, 0, 100_000), 'batch')?.total).toBe('1.75')
    // batch of a long prompt halves the long-context rates: (1M x 10 + 1M x 45) / 2 = 27.50
    expect(price('openai', 'gpt-5.5', at, usage(1_000_000, 0, 1_000_000), 'batch')?.total).toBe(
      '27.5',
    )
  })

  it('leaves a GPT-5.5 call before its launch day unpriced', () => {
    expect(price('openai', 'gpt-5.5', '2026-04-22T23:59:59Z', usage(1000, 0, 1000))).toBeNull()
    expect(
      price('openai', 'gpt-5.5-2026-04-23', '2026-04-23T00:00:00Z', usage(1000, 0, 1000))?.card
        .model,
    ).toBe('gpt-5.5')
  })

  it('prices GPT-5.5 pro cached tokens at its input rate, and its long prompts at 60 / 270', () => {
    // 300,000 x 60 = 18; 1,000 out x 270 = 0.27
    expect(
      price('openai', 'gpt-5.5-pro', '2026-06-01T00:00:00Z', usage(300_000, 100_000, 1_000))?.total,
    ).toBe('18.27')
  })
})

describe('OpenAI priority tier and audio tokens', () => {
  it('prices GPT-4.1 priority calls at the Priority page rates', () => {
    // 1M in x 3.50 + 1M out x 14 = 17.50 (standard 2 + 8 = 10)
    expect(
      price('openai', 'gpt-4.1', '2026-06-01T00:00:00Z', usage(1_000_000, 0, 1_000_000), 'priority')
        ?.total,
    ).toBe('17.5')
    expect(
      price('openai', 'gpt-4.1', '2026-06-01T00:00:00Z', usage(1_000_000, 0, 1_000_000))?.total,
    ).toBe('10')
  })

  it('prices gpt-4o-audio-preview-2024-10-01 from its launch day, audio apart from text', () => {
    // 400 text in x 2.50 = 0.001; 600 audio in x 100 = 0.06; 100 text out x 10 = 0.001; 400 audio out x 200 = 0.08
    const u = usage(1000, 0, 500, { audioInputTokens: 600, audioOutputTokens: 400 })
    expect(
      price('openai', 'gpt-4o-audio-preview-2024-10-01', '2024-11-01T00:00:00Z', u)?.total,
    ).toBe('0.142')
    expect(price('openai', 'gpt-4o-audio-preview-2024-10-01', '2024-10-16T23:59:59Z', u)).toBeNull()
  })

  it('prices the launch Realtime snapshot without, then with, a cached text rate', () => {
    // 1,000 in of which 1,000 cached: before 2024-10-30 at the input rate 5 = 0.005, after at 2.50 = 0.0025
    expect(
      price(
        'openai',
        'gpt-4o-realtime-preview-2024-10-01',
        '2024-10-29T00:00:00Z',
        usage(1000, 1000, 0),
      )?.total,
    ).toBe('0.005')
    expect(
      price(
        'openai',
        'gpt-4o-realtime-preview-2024-10-01',
        '2024-10-30T00:00:00Z',
        usage(1000, 1000, 0),
      )?.total,
    ).toBe('0.0025')
  })
})

describe('Anthropic Claude 4.6 and later', () => {
  it('prices Claude Opus 4.7 with cache reads and 5-minute writes', () => {
    // 3,000 fresh x 5 = 0.015; 5,000 reads x 0.50 = 0.0025; 2,000 writes x 6.25 = 0.0125; 1,000 out x 25 = 0.025
    const u: Usage = { ...usage(10_000, 5_000, 1_000), cacheWriteTokens: 2_000 }
    expect(price('anthropic', 'claude-opus-4-7', '2026-05-01T00:00:00Z', u)?.total).toBe('0.055')
    expect(
      price('anthropic', 'claude-opus-4-7-20260416', '2026-05-01T00:00:00Z', u)?.card.model,
    ).toBe('claude-opus-4-7')
  })

  it('prices Claude Sonnet 4.6 only from its release day', () => {
    // 1M in x 3 + 1M out x 15 = 18
    expect(
      price(
        'anthropic',
        'claude-sonnet-4-6',
        '2026-02-17T00:00:00Z',
        usage(1_000_000, 0, 1_000_000),
      )?.total,
    ).toBe('18')
    expect(
      price(
        'anthropic',
        'claude-sonnet-4-6',
        '2026-02-16T23:59:59Z',
        usage(1_000_000, 0, 1_000_000),
      ),
    ).toBeNull()
  })

  it('keeps pricing Claude Sonnet 4.5 calls made before its retirement', () => {
    expect(table.resolveModel('anthropic', 'claude-sonnet-4-5')?.model.retires).toBe('2026-11-30')
    // 100,000 in x 3 = 0.30; 100,000 out x 15 = 1.50
    expect(
      price('anthropic', 'claude-sonnet-4-5', '2026-11-29T12:00:00Z', usage(100_000, 0, 100_000))
        ?.total,
    ).toBe('1.8')
  })
})

describe('Google Gemini 3.x', () => {
  it('bills the WHOLE Gemini 3.1 Pro request at the long-context rates above 200K', () => {
    // 200,000 x 2 = 0.40 (not above 200K)
    expect(
      price('google', 'gemini-3.1-pro-preview', '2026-10-01T00:00:00Z', usage(200_000, 0, 0))
        ?.total,
    ).toBe('0.4')
    // 200,000 fresh x 4 = 0.80; 50,000 cached x 0.40 = 0.02; 5,000 out x 18 = 0.09
    expect(
      price(
        'google',
        'gemini-3.1-pro-preview',
        '2026-10-01T00:00:00Z',
        usage(250_000, 50_000, 5_000),
      )?.total,
    ).toBe('0.91')
  })

  it('prices Gemini 3 Flash audio input apart from text', () => {
    // 1,000 text x 0.50 = 0.0005; 1,000 audio x 1.00 = 0.001; 1,000 out x 3 = 0.003
    const u = usage(2_000, 0, 1_000, { audioInputTokens: 1_000 })
    expect(price('google', 'gemini-3-flash-preview', '2026-07-04T00:00:00Z', u)?.total).toBe(
      '0.0045',
    )
  })
})

describe('price changes and tiers on the newest cards', () => {
  it('prices Claude Haiku 5.5 by prompt length, the WHOLE request above 100K', () => {
    // 100,000 x 0.10 = 0.01; 10,000 out x 0.50 = 0.005
    expect(
      price('anthropic', 'claude-haiku-5-5', '2026-11-01T00:00:00Z', usage(100_000, 0, 10_000))
        ?.total,
    ).toBe('0.015')
    // 100,001 x 0.50 = 0.0500005; 10,000 out x 2.50 = 0.025
    expect(
      price('anthropic', 'claude-haiku-5-5', '2026-11-01T00:00:00Z', usage(100_001, 0, 10_000))
        ?.total,
    ).toBe('0.0750005')
  })

  it('applies the Claude Sonnet 5.5 cache-read cut from 2026-10-07', () => {
    // 1M cache reads: 0.20 before, 0.10 from the cut
    const reads = usage(1_000_000, 1_000_000, 0)
    expect(price('anthropic', 'claude-sonnet-5-5', '2026-10-06T23:59:59Z', reads)?.total).toBe(
      '0.2',
    )
    expect(price('anthropic', 'claude-sonnet-5-5', '2026-10-07T00:00:00Z', reads)?.total).toBe(
      '0.1',
    )
    // Fable 5.1 reads its cache at 0.025x input: 1M x 0.25
    expect(price('anthropic', 'claude-fable-5-1', '2026-10-01T00:00:00Z', reads)?.total).toBe(
      '0.25',
    )
  })

  it('prices GPT-5.6 Sol at its launch rates, then at the rates first seen on 2026-09-13', () => {
    const u = usage(100_000, 0, 100_000)
    expect(price('openai', 'gpt-5.6-sol', '2026-07-08T23:59:59Z', u)).toBeNull()
    // 100,000 x 5 = 0.50; 100,000 out x 30 = 3.00
    expect(price('openai', 'gpt-5.6', '2026-09-12T00:00:00Z', u)?.total).toBe('3.5')
    // 100,000 x 4 = 0.40; 100,000 out x 20 = 2.00
    expect(price('openai', 'gpt-5.6-sol', '2026-09-13T00:00:00Z', u)?.total).toBe('2.4')
    // priority doubles the long-context rates: 300,000 x 16 = 4.80; 10,000 out x 60 = 0.60
    expect(
      price('openai', 'gpt-5.6-sol', '2026-10-01T00:00:00Z', usage(300_000, 0, 10_000), 'priority')
        ?.total,
    ).toBe('5.4')
  })

  it('moves Gemini 3.8 Flash to its announced 2027 price on 2027-01-01', () => {
    const u = usage(1_000_000, 0, 1_000_000)
    // 0.75 + 3.75 through 2026, then 1.50 + 7.50
    expect(price('google', 'gemini-3.8-flash', '2026-12-31T23:59:59Z', u)?.total).toBe('4.5')
    expect(price('google', 'gemini-3.8-flash', '2027-01-01T00:00:00Z', u)?.total).toBe('9')
  })
})
