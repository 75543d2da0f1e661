import { defaultPricingTable, picoFromUsd } from '@tokenledger/pricing'
import { describe, expect, it } from 'vitest'
import { rememberedWorstCase, worstCaseCost } from './worst-case-cost.js'

const table = defaultPricingTable()
// June 2026: DeepSeek's flat April card (0.14 / 0.28), before its peak and off-peak hours.
const at = new Date('2026-06-01T12:00:00Z')

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

  it('remembered: the same as computed, across a time window edge and a card change', () => {
    const remembered = rememberedWorstCase(table)
    const call = (iso: string, bodyBytes = 500) => ({
      provider: 'deepseek',
      model: 'deepseek-v4-flash',
      body: { max_tokens: 1000 },
      bodyBytes,
      at: new Date(iso),
    })
    const instants = [
      // The August card's discount window 01:00-04:00 UTC: its last minute, then after it.
      '2026-08-20T03:59:00.000Z',
      '2026-08-20T03:59:59.999Z',
      '2026-08-20T04:00:00.000Z',
      // The September card takes over at 04:00 on 10 September (peak 09:00-12:00 Beijing time).
      '2026-09-10T03:59:59.999Z',
      '2026-09-10T04:00:00.000Z',
      '2026-09-10T04:00:30.000Z',
    ]
    const computed = instants.map((iso) => worstCaseCost(table, call(iso)))
    expect(instants.map((iso) => remembered(call(iso)))).toEqual(computed)
    // The edges are real: the window and the card change the worst case.
    expect(computed[1]).not.toEqual(computed[2])
    expect(computed[3]).not.toEqual(computed[4])
    // Another size is another shape.
    expect(remembered(call('2026-09-10T04:00:40.000Z', 600))).toEqual(
      worstCaseCost(table, call('2026-09-10T04:00:40.000Z', 600)),
    )
  })
})
