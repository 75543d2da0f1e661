import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { testProvider } from './__fixtures__/test-provider.js'
import { picoFromUsd, usdFromPico } from './money.js'
import { PricingTable } from './pricing-table.js'
import type { Usage } from './usage.js'

const table = new PricingTable([{ data: testProvider(), files: ['acme.json'] }])
const at = new Date('2026-02-01T12:00:00Z')
const MODELS = ['acme-chat', 'acme-think', 'acme-weekday'] as const // no prompt tiers: additivity holds per call

/** A valid usage: cache reads/writes within input, reasoning within output. */
const usageArb = fc
  .record({
    fresh: fc.integer({ min: 0, max: 2_000_000 }),
    cacheRead: fc.integer({ min: 0, max: 2_000_000 }),
    cacheWrite: fc.integer({ min: 0, max: 500_000 }),
    write1hShare: fc.double({ min: 0, max: 1, noNaN: true }),
    plainOutput: fc.integer({ min: 0, max: 400_000 }),
    reasoning: fc.integer({ min: 0, max: 400_000 }),
  })
  .map((u): Usage => ({
    inputTokens: u.fresh + u.cacheRead + u.cacheWrite,
    cacheReadTokens: u.cacheRead,
    cacheWriteTokens: u.cacheWrite,
    cacheWrite1hTokens: Math.floor(u.cacheWrite * u.write1hShare),
    outputTokens: u.plainOutput + u.reasoning,
    reasoningTokens: u.reasoning,
  }))

const costPico = (model: string, usage: Usage) =>
  picoFromUsd(table.price({ provider: 'acme', model, at, usage })!.total)
const add = (a: Usage, b: Usage): Usage => ({
  inputTokens: a.inputTokens + b.inputTokens,
  cacheReadTokens: a.cacheReadTokens + b.cacheReadTokens,
  cacheWriteTokens: a.cacheWriteTokens + b.cacheWriteTokens,
  cacheWrite1hTokens: (a.cacheWrite1hTokens ?? 0) + (b.cacheWrite1hTokens ?? 0),
  outputTokens: a.outputTokens + b.outputTokens,
  reasoningTokens: a.reasoningTokens + b.reasoningTokens,
})

describe('cost math properties', () => {
  it('is additive over calls', () => {
    fc.assert(
      fc.property(fc.constantFrom(...MODELS), usageArb, usageArb, (model, a, b) => {
        expect(costPico(model, add(a, b))).toBe(costPico(model, a) + costPico(model, b))
      }),
    )
  })

  it('is monotone in every token count', () => {
    const grow = fc.constantFrom('fresh', 'cacheRead', 'cacheWrite', 'plainOutput', 'reasoning')
    fc.assert(
      fc.property(
        fc.constantFrom(...MODELS),
        usageArb,
        grow,
        fc.integer({ min: 1, max: 100_000 }),
        (model, usage, field, n) => {
          const more = { ...usage }
          if (field === 'fresh') more.inputTokens += n
          if (field === 'cacheRead') {
            more.inputTokens += n
            more.cacheReadTokens += n
          }
          if (field === 'cacheWrite') {
            more.inputTokens += n
            more.cacheWriteTokens += n
          }
          if (field === 'plainOutput') more.outputTokens += n
          if (field === 'reasoning') {
            more.outputTokens += n
            more.reasoningTokens += n
          }
          expect(costPico(model, more) >= costPico(model, usage)).toBe(true)
        },
      ),
    )
  })

  it('is never negative, and its parts add up to the total', () => {
    fc.assert(
      fc.property(fc.constantFrom(...MODELS), usageArb, (model, usage) => {
        const cost = table.price({ provider: 'acme', model, at, usage })!
        expect(cost.totalPico >= 0n).toBe(true)
        const parts = cost.breakdownPico
        expect(parts.input + parts.cacheRead + parts.cacheWrite + parts.output).toBe(cost.totalPico)
        expect(cost.total).toBe(usdFromPico(cost.totalPico))
      }),
    )
  })

  it('has no drift over a million summed calls', () => {
    // 1,000,000 calls of 1,234 fresh input, 567 cache reads, 89 output on acme-chat (1 / 0.1 / 2 per 1M):
    // one call = (1,234 x 1 + 567 x 0.1 + 89 x 2) / 1M = 0.0014687 USD exactly; a million = 1468.7 USD.
    const usage: Usage = {
      inputTokens: 1_801,
      cacheReadTokens: 567,
      cacheWriteTokens: 0,
      outputTokens: 89,
      reasoningTokens: 0,
    }
    let total = 0n
    let floatTotal = 0
    for (let i = 0; i < 1_000_000; i++) {
      const cost = table.price({ provider: 'acme', model: 'acme-chat', at, usage })!
      total += picoFromUsd(cost.total)
      floatTotal += Number(cost.total)
    }
    expect(usdFromPico(total)).toBe('1468.7')
    // The float sum of the same amounts drifts: the reason money is never a JS number here.
    expect(floatTotal).not.toBe(1468.7)
  })
})
