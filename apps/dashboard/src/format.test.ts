import { describe, expect, it } from 'vitest'
import { formatCompact, formatCount, formatShare, formatUsd } from './format.js'

describe('formatUsd', () => {
  it.each([
    ['0', '$0.00'],
    ['1', '$1.00'],
    ['1234.5', '$1,234.50'],
    ['1234567.891', '$1,234,567.89'],
    ['0.999', '$0.9990'],
    ['0.0123456', '$0.0123'],
    ['0.01', '$0.0100'],
    ['0.0099999', '$0.01'],
    ['0.00421', '$0.00421'],
    ['0.000042137', '$0.0000421'],
    ['0.0000000028', '$0.0000000028'],
    ['0.000000000001', '$0.000000000001'],
    ['-3.333', '-$3.33'],
    ['-0.00005', '-$0.00005'],
  ])('%s -> %s', (usd, shown) => {
    expect(formatUsd(usd)).toBe(shown)
  })

  it('never shows a non-zero amount as zero', () => {
    for (let places = 1; places <= 12; places++) {
      const usd = `0.${'0'.repeat(places - 1)}7`
      expect(formatUsd(usd)).not.toMatch(/^\$0(\.0+)?$/)
    }
  })

  it('rejects what is not an exact amount', () => {
    expect(() => formatUsd('1e-5')).toThrow(RangeError)
  })
})

describe('counts and shares', () => {
  it('formats counts', () => {
    expect(formatCount(0)).toBe('0')
    expect(formatCount(1234567)).toBe('1,234,567')
    expect(formatCompact(950)).toBe('950')
    expect(formatCompact(1500)).toBe('1.5k')
    expect(formatCompact(1_234_567)).toBe('1.23M')
    expect(formatCompact(1_140_000_000)).toBe('1.14B')
    expect(formatCompact(250_000_000)).toBe('250M')
  })
  it('formats shares', () => {
    expect(formatShare(null)).toBe('-')
    expect(formatShare(0)).toBe('0.0%')
    expect(formatShare(0.0004)).toBe('<0.1%')
    expect(formatShare(0.125)).toBe('12.5%')
    expect(formatShare(1)).toBe('100.0%')
  })
})
