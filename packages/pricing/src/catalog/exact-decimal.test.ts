import { describe, expect, it } from 'vitest'
import { scaleDecimal, toRate } from './exact-decimal.js'

describe('exact decimal conversion', () => {
  it('moves the decimal point without floats', () => {
    expect(scaleDecimal('1.25e-06', 6)).toBe('1.25')
    expect(scaleDecimal('1.25E-6', 6)).toBe('1.25')
    expect(scaleDecimal('0.00000125', 6)).toBe('1.25')
    expect(scaleDecimal('3e-07', 6)).toBe('0.3')
    expect(scaleDecimal('2.8e-09', 6)).toBe('0.0028')
    expect(scaleDecimal('0.075', 0)).toBe('0.075')
    expect(scaleDecimal('15', 0)).toBe('15')
    expect(scaleDecimal('12', -3)).toBe('0.012') // $12 per 1,000 requests -> per request
    expect(scaleDecimal('0', 6)).toBe('0')
    expect(scaleDecimal('0.0', 6)).toBe('0')
    expect(scaleDecimal('1e2', 0)).toBe('100')
    // 0.1 + 0.2 style float noise cannot appear: the text is the value
    expect(scaleDecimal('3.0000000000000004e-07', 6)).toBe('0.30000000000000004')
  })

  it('refuses what is not a non-negative decimal', () => {
    expect(scaleDecimal('-1', 6)).toBeNull()
    expect(scaleDecimal('abc', 6)).toBeNull()
    expect(scaleDecimal('', 6)).toBeNull()
  })

  it('reports a rate finer than the table can hold instead of rounding it', () => {
    expect(toRate('1.25e-06', 6)).toEqual({ rate: '1.25' })
    expect(toRate('3.0000000000000004e-07', 6)).toEqual({
      problem: '0.30000000000000004 per 1M has more than 6 decimal places',
    })
  })
})
