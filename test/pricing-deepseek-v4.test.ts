import { loadPricingTable, type Usage } from '@tokenledger/pricing'
import { describe, expect, it } from 'vitest'
import { runCli } from './helpers/run-cli.js'

// DeepSeek's 2026 V4 history (pricing/deepseek.json), at the edges of every window and change.
const table = loadPricingTable({ env: {}, layers: [] })
const million: Usage = {
  inputTokens: 1_000_000,
  cacheReadTokens: 0,
  cacheWriteTokens: 0,
  outputTokens: 1_000_000,
  reasoningTokens: 0,
}
const total = (model: string, iso: string, usage: Usage = million) =>
  table.price({ provider: 'deepseek', model, at: new Date(iso), usage })?.total

describe('DeepSeek V4 Flash, 2026', () => {
  it('keeps the flat April rate until 16:00 UTC on 2026-08-16', () => {
    // 0.14 + 0.28 before; from 16:00 UTC (off-peak) 0.22 + 0.66
    expect(total('deepseek-v4-flash', '2026-08-16T15:59:59Z')).toBe('0.42')
    expect(total('deepseek-v4-flash', '2026-08-16T16:00:00Z')).toBe('0.88')
  })

  it('doubles every day in the August peak hours, 01:00-04:00 and 06:00-10:00 UTC', () => {
    // off-peak 0.22 + 0.66 = 0.88; peak 0.44 + 1.32 = 1.76; 2026-09-05 is a Saturday, peak then too
    expect(total('deepseek-v4-flash', '2026-09-01T00:59:59Z')).toBe('0.88')
    expect(total('deepseek-v4-flash', '2026-09-01T01:00:00Z')).toBe('1.76')
    expect(total('deepseek-v4-flash', '2026-09-01T03:59:59Z')).toBe('1.76')
    expect(total('deepseek-v4-flash', '2026-09-01T04:00:00Z')).toBe('0.88')
    expect(total('deepseek-v4-flash', '2026-09-01T06:00:00Z')).toBe('1.76')
    expect(total('deepseek-v4-flash', '2026-09-01T10:00:00Z')).toBe('0.88')
    expect(total('deepseek-v4-flash', '2026-09-05T02:00:00Z')).toBe('1.76')
  })

  it('moves to V4.1 Flash prices at 04:00 UTC on 2026-09-10', () => {
    // 03:59:59 UTC is 11:59:59 Beijing time: August card, peak 1.76. 04:00 is 12:00: V4.1, off-peak 0.15 + 0.6
    expect(total('deepseek-v4-flash', '2026-09-10T03:59:59Z')).toBe('1.76')
    expect(total('deepseek-v4-flash', '2026-09-10T04:00:00Z')).toBe('0.75')
  })

  it('applies V4.1 peak hours on weekdays only, Chinese public holidays excluded', () => {
    // 2026-09-15 is a Tuesday: 02:00 UTC = 10:00 Beijing, peak 0.3 + 1.2 = 1.5
    expect(total('deepseek-v4-flash', '2026-09-15T00:59:59Z')).toBe('0.75')
    expect(total('deepseek-v4-flash', '2026-09-15T01:00:00Z')).toBe('1.5')
    expect(total('deepseek-v4-flash', '2026-09-15T02:00:00Z')).toBe('1.5')
    expect(total('deepseek-v4-flash', '2026-09-15T03:59:59Z')).toBe('1.5')
    expect(total('deepseek-v4-flash', '2026-09-15T04:00:00Z')).toBe('0.75')
    expect(total('deepseek-v4-flash', '2026-09-15T05:59:59Z')).toBe('0.75')
    expect(total('deepseek-v4-flash', '2026-09-15T06:00:00Z')).toBe('1.5')
    expect(total('deepseek-v4-flash', '2026-09-15T09:59:59Z')).toBe('1.5')
    expect(total('deepseek-v4-flash', '2026-09-15T10:00:00Z')).toBe('0.75')
    // Saturday 2026-09-19; Mid-Autumn Friday 2026-09-25; National Day Thursday 2026-10-01; Thursday 2026-10-08 works again
    expect(total('deepseek-v4-flash', '2026-09-19T02:00:00Z')).toBe('0.75')
    expect(total('deepseek-v4-flash', '2026-09-25T02:00:00Z')).toBe('0.75')
    expect(total('deepseek-v4-flash', '2026-10-01T02:00:00Z')).toBe('0.75')
    expect(total('deepseek-v4-flash', '2026-10-08T02:00:00Z')).toBe('1.5')
  })

  it('prices cache hits at the peak and off-peak cache rates', () => {
    // 1M cache hits: peak 0.006, off-peak 0.003
    const hits: Usage = { ...million, cacheReadTokens: 1_000_000, outputTokens: 0 }
    expect(total('deepseek-v4-flash', '2026-09-15T02:00:00Z', hits)).toBe('0.006')
    expect(total('deepseek-v4-flash', '2026-09-15T12:00:00Z', hits)).toBe('0.003')
  })

  it('prices the current id deepseek-flash the same from its first day', () => {
    expect(total('deepseek-flash', '2026-09-10T03:59:59Z')).toBeUndefined()
    expect(total('deepseek-flash', '2026-09-15T02:00:00Z')).toBe('1.5')
    expect(total('deepseek-flash', '2026-10-01T02:00:00Z')).toBe('0.75')
  })
})

describe('DeepSeek V4 Pro, 2026', () => {
  it('has peak and off-peak rates from 2026-08-16, weekday-only peaks from 2026-09-10', () => {
    // before: 0.435 + 0.87; off-peak 0.66 + 1.98 = 2.64; peak 1.32 + 3.96 = 5.28
    expect(total('deepseek-v4-pro', '2026-08-16T15:59:59Z')).toBe('1.305')
    expect(total('deepseek-v4-pro', '2026-09-05T02:00:00Z')).toBe('5.28') // Saturday, August rules
    expect(total('deepseek-v4-pro', '2026-09-15T02:00:00Z')).toBe('5.28')
    expect(total('deepseek-v4-pro', '2026-09-15T05:00:00Z')).toBe('2.64')
    expect(total('deepseek-v4-pro', '2026-09-19T02:00:00Z')).toBe('2.64') // Saturday, V4.1 rules
    expect(total('deepseek-v4-pro', '2026-10-01T02:00:00Z')).toBe('2.64') // National Day
  })
})

describe('tokenledger cost --at, DeepSeek September 2026', () => {
  const cost = (model: string, at: string) => {
    const result = runCli([
      'cost',
      '--provider',
      'deepseek',
      '--model',
      model,
      '--input',
      '1000000',
      '--output',
      '1000000',
      '--at',
      at,
      '--json',
    ])
    expect(result.stderr).toBe('')
    expect(result.code).toBe(0)
    return JSON.parse(result.stdout) as { cost: string; card: { window?: string } }
  }

  it('gives the published price at a weekday peak hour, an off-peak hour and a public holiday', () => {
    expect(cost('deepseek-v4-flash', '2026-09-15T02:00Z')).toMatchObject({
      cost: '1.5',
      card: { window: 'peak' },
    })
    expect(cost('deepseek-v4-flash', '2026-09-15T12:00Z').cost).toBe('0.75')
    expect(cost('deepseek-v4-flash', '2026-10-01T02:00Z').cost).toBe('0.75')
    expect(cost('deepseek-v4-pro', '2026-09-15T02:00Z').cost).toBe('5.28')
    expect(cost('deepseek-v4-pro', '2026-09-15T12:00Z').cost).toBe('2.64')
    expect(cost('deepseek-v4-pro', '2026-10-01T02:00Z').cost).toBe('2.64')
  })
})
