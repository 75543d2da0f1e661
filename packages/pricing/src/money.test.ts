import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  formatScaled,
  PICO_DECIMALS,
  parseScaled,
  picoFromReported,
  picoFromUsd,
  RATE_DECIMALS,
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

  it('sums ten 0.1s to exactly 1', () => {
    expect(sumUsd(Array.from({ length: 10 }, () => '0.1'))).toBe('1')
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

/**
 * The oracle: parseScaled written the plain way, with a regular expression and string padding
 * (the module parses with a character loop for speed). Null where parseScaled throws.
 */
function plainParseScaled(text: string, decimals: number): bigint | null {
  const match = /^(-?)(\d+)(?:\.(\d+))?$/.exec(text)
  if (!match) return null
  const [, sign, whole, fraction = ''] = match
  const significant = fraction.replace(/0+$/, '')
  if (significant.length > decimals) return null
  const units = BigInt(whole! + significant.padEnd(decimals, '0'))
  return sign === '-' ? -units : units
}

function parsedOrNull(text: string, decimals: number): bigint | null {
  try {
    return parseScaled(text, decimals)
  } catch (error) {
    expect(error).toBeInstanceOf(RangeError)
    return null
  }
}

const decimalText = fc
  .tuple(
    fc.constantFrom('', '-'),
    fc.stringMatching(/^\d{1,20}$/),
    fc.option(fc.stringMatching(/^\d{0,16}$/), { nil: undefined }),
  )
  .map(([sign, whole, fraction]) =>
    fraction === undefined ? sign + whole : `${sign}${whole}.${fraction}`,
  )
const anyText = fc.string({ unit: fc.constantFrom(...'0123456789.-+e ,x'.split('')) })

describe('parseScaled against the plain parser', () => {
  for (const decimals of [RATE_DECIMALS, PICO_DECIMALS]) {
    it(`agrees on decimal strings, valid or not (${decimals} places)`, () => {
      fc.assert(
        fc.property(decimalText, (text) => {
          expect(parsedOrNull(text, decimals)).toBe(plainParseScaled(text, decimals))
        }),
        { numRuns: 5_000 },
      )
    })

    it(`agrees on any string (${decimals} places)`, () => {
      fc.assert(
        fc.property(anyText, (text) => {
          expect(parsedOrNull(text, decimals)).toBe(plainParseScaled(text, decimals))
        }),
        { numRuns: 5_000 },
      )
    })
  }

  it('reads the forms the ledger meets', () => {
    expect(picoFromUsd('0.0000004788')).toBe(478_800n)
    expect(picoFromUsd('4000000.000000000001')).toBe(4_000_000_000_000_000_001n)
    expect(picoFromUsd('12.500000000000000')).toBe(12_500_000_000_000n)
    expect(picoFromUsd('-0.5')).toBe(-500_000_000_000n)
    expect(picoFromUsd('7')).toBe(7_000_000_000_000n)
    for (const bad of ['', '-', '.5', '5.', '1e-5', '0.0000000000001', ' 1', '1.2.3', '+1']) {
      expect(() => picoFromUsd(bad)).toThrow(RangeError)
    }
    expect(() => picoFromUsd(0.5 as unknown as string)).toThrow(
      /expected a decimal string, got 0.5/,
    )
  })
})
