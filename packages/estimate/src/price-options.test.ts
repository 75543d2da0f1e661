import { fileURLToPath } from 'node:url'
import { loadPricingTable } from '@tokenledger/pricing'
import { describe, expect, it } from 'vitest'
import { priceOptions } from './price-options.js'

const table = loadPricingTable({
  bundled: false,
  env: {},
  overrides: [fileURLToPath(new URL('./__fixtures__/test-prices.json', import.meta.url))],
})
const labels = (result: ReturnType<typeof priceOptions>) =>
  result.options.map((option) => [option.label, option.at.toISOString(), option.serviceTier])

describe('priceOptions', () => {
  it('lists the standard price and the batch and flex tiers of a card', () => {
    const at = new Date('2026-05-01T10:00:00Z')
    expect(labels(priceOptions(table, 'openai', 'gpt-4o-mini', at))).toEqual([
      ['standard', at.toISOString(), 'standard'],
      ['batch', at.toISOString(), 'batch'],
      ['flex', at.toISOString(), 'flex'],
    ])
  })

  it('prices a time window at the next instant inside it', () => {
    const at = new Date('2026-05-01T10:07:00Z')
    expect(labels(priceOptions(table, 'deepseek', 'deepseek-v4-flash', at))).toEqual([
      ['standard', at.toISOString(), 'standard'],
      ['off-peak', '2026-05-01T16:30:00.000Z', 'standard'],
    ])
  })

  it('inside a window, names it and adds the first instant outside every window', () => {
    const at = new Date('2026-05-01T23:00:00Z')
    expect(labels(priceOptions(table, 'deepseek', 'deepseek-v4-flash', at))).toEqual([
      ['off-peak', at.toISOString(), 'standard'],
      ['outside off-peak', '2026-05-02T00:30:00.000Z', 'standard'],
    ])
  })

  it('keeps the standard option when there is no card, and notes a missing batch tier', () => {
    const at = new Date('2026-05-01T10:00:00Z')
    expect(labels(priceOptions(table, 'oxen', 'deepseek-v4-flash', at))).toEqual([
      ['standard', at.toISOString(), 'standard'],
    ])
    const batch = priceOptions(table, 'deepseek', 'deepseek-v4-flash', at, { batchOnly: true })
    expect(batch.notes).toEqual(['no batch tier: standard price shown'])
  })
})
