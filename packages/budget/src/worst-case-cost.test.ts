import { defaultPricingTable, picoFromUsd } from '@tokenledger/pricing'
import { describe, expect, it } from 'vitest'
import { worstCaseCost } from './worst-case-cost.js'

const table = defaultPricingTable()
const at = new Date('2026-12-01T12:00:00Z')

describe('worstCaseCost', () => {
  it('prompt bounded by the body size, output by max_tokens, at the card in force', () => {
    // deepseek-v4-flash: input 0.14, output 0.28 USD per 1M: 500 bytes + 1000 tokens.
    const worst = worstCaseCost(table, {
      provider: 'deepseek',
      model: 'deepseek-v4-flash',
      body: { max_tokens: 1000 },
      bodyBytes: 500,
      at,
    })
    expect(worst).toEqual({
      priced: true,
      pico: 500n * 140_000n + 1000n * 280_000n,
      model: 'deepseek-v4-flash',
      inputTokens: 500,
      outputTokens: 1000,
    })
  })

  it('uses a counted prompt, n choices, and the model maximum when the request sets none', () => {
    const counted = worstCaseCost(table, {
      provider: 'deepseek',
      model: 'deepseek-v4-flash',
      body: { max_completion_tokens: 10, n: 3 },
      bodyBytes: 5000,
      promptTokens: 40,
      at,
    })
    expect(counted).toMatchObject({ inputTokens: 40, outputTokens: 30 })
    const unbounded = worstCaseCost(table, {
      provider: 'deepseek',
      model: 'deepseek-v4-flash',
      body: {},
      bodyBytes: 100,
      at,
    })
    expect(unbounded).toMatchObject({ priced: true, outputTokens: 384_000 })
  })

  it('cache writes cost more than fresh input on Anthropic: the worst case prices the prompt as 1-hour cache writes', () => {
    const worst = worstCaseCost(table, {
      provider: 'anthropic',
      model: 'claude-sonnet-4-5',
      body: { max_tokens: 2000 },
      bodyBytes: 10_000,
      at,
    })
    const usage = {
      inputTokens: 10_000,
      cacheReadTokens: 0,
      cacheWriteTokens: 0,
      outputTokens: 2000,
      reasoningTokens: 0,
    }
    const plain = table.price({ provider: 'anthropic', model: 'claude-sonnet-4-5', at, usage })!
    const written = table.price({
      provider: 'anthropic',
      model: 'claude-sonnet-4-5',
      at,
      usage: { ...usage, cacheWriteTokens: 10_000, cacheWrite1hTokens: 10_000 },
    })!
    expect(picoFromUsd(written.total) > picoFromUsd(plain.total)).toBe(true)
    expect(worst).toMatchObject({ priced: true, pico: picoFromUsd(written.total) })
  })

  it('an unknown model or an output with no bound is unpriced, with the reason', () => {
    expect(
      worstCaseCost(table, {
        provider: 'deepseek',
        model: 'mystery-9000',
        body: {},
        bodyBytes: 10,
        at,
      }),
    ).toEqual({
      priced: false,
      model: null,
      reason: 'deepseek model "mystery-9000" has no price',
    })
    expect(
      worstCaseCost(table, {
        provider: 'deepseek',
        model: 'deepseek-chat',
        body: {},
        bodyBytes: 10,
        at,
      }),
    ).toMatchObject({
      priced: false,
      reason: 'the request sets no max_tokens and deepseek-chat has no known maximum output',
    })
  })
})
