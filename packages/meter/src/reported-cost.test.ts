import { describe, expect, it } from 'vitest'
import { fixtureJson } from './normalisers/__fixtures__/read-fixture.js'
import { readReportedCost } from './reported-cost.js'

describe('readReportedCost', () => {
  it('reads usage.cost (a JSON number) exactly to the picodollar', () => {
    // 0.0001073 USD = 107,300,000 pUSD
    expect(readReportedCost(fixtureJson('openrouter-chat.json')['usage'])).toBe(107_300_000n)
  })

  it('adds the upstream cost under BYOK, where usage.cost is only the OpenRouter fee', () => {
    // fee 0.0000071 + upstream 0.0001428 = 0.0001499 USD
    expect(readReportedCost(fixtureJson('openrouter-byok.json')['usage'])).toBe(149_900_000n)
  })

  it('reads a DeepSeek-style decimal string', () => {
    expect(readReportedCost({ cost: '0.00007302', discount: '0' })).toBe(73_020_000n)
  })

  it('is null when there is no cost or it is malformed', () => {
    expect(readReportedCost({ prompt_tokens: 1 })).toBeNull()
    expect(readReportedCost({ cost: 'free' })).toBeNull()
    expect(readReportedCost({ cost: null })).toBeNull()
    expect(readReportedCost(undefined)).toBeNull()
  })
})
