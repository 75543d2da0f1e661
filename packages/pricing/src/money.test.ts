import { describe, expect, it } from 'vitest'
import {
  formatScaled,
  parseScaled,
  picoFromReported,
  picoFromUsd,
  roundUsd,
  sumUsd,
  usdFromPico,
} from './money.js'

describe('money', () => {
  it('parses and formats decimal strings exactly', () => {
    expect(parseScaled('0.0028', 6)).toBe(2800n)
    expect(parseScaled('12', 6)).toBe(12_000_000n)
    expect(parseScaled('0.100000', 6)).toBe(100_000n)
    expect(formatScaled(2800n, 6)).toBe('0.0028')
    expect(formatScaled(12_000_000n, 6)).toBe('12')
    expect(formatScaled(-5n, 3)).toBe('-0.005')
    expect(usdFromPico(91_200_000_000n)).toBe('0.0912')
    expect(picoFromUsd('0.42')).toBe(420_000_000_000n)
  })

  it('rejects malformed amounts and excess precision', () => {
    expect(() => parseScaled('1e-3', 6)).toThrow(/expected a decimal string/)
    expect(() => parseScaled('0.0000001', 6)).toThrow(/more than 6 decimal places/)
    expect(() => parseScaled('', 6)).toThrow()
  })

  it('sums without drift where floats drift', () => {
    const amounts = Array.from({ length: 10 }, () => '0.1')
    expect(sumUsd(amounts)).toBe('1')
    expect(amounts.reduce((sum, x) => sum + Number(x), 0)).not.toBe(1)
  })

  it('takes reported costs as numbers or strings, rounding at the 12th place', () => {
    expect(picoFromReported(0.000123)).toBe(123_000_000n)
    expect(picoFromReported('0.0000000000015')).toBe(2n)
    expect(picoFromReported('0.00042')).toBe(420_000_000n)
    expect(picoFromReported(Number.NaN)).toBeNull()
    expect(picoFromReported('free')).toBeNull()
    expect(picoFromReported(undefined)).toBeNull()
  })

  it('rounds for display half away from zero', () => {
    expect(roundUsd('0.125', 2)).toBe('0.13')
    expect(roundUsd('0.0912', 2)).toBe('0.09')
    expect(roundUsd('3', 2)).toBe('3.00')
  })
})
