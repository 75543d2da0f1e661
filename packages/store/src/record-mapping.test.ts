import { picoFromUsd } from '@tokenledger/pricing'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { parsePico } from './record-mapping.js'

/** picoFromUsd's answer, with "not an amount" as null instead of a thrown RangeError. */
function reference(text: string): bigint | null {
  try {
    return picoFromUsd(text)
  } catch {
    return null
  }
}

const decimal = fc
  .tuple(
    fc.constantFrom('', '-'),
    fc.stringMatching(/^\d{1,20}$/),
    fc.option(fc.stringMatching(/^\d{0,16}$/), { nil: undefined }),
  )
  .map(([sign, whole, fraction]) =>
    fraction === undefined ? sign + whole : `${sign}${whole}.${fraction}`,
  )

describe('parsePico (the ingest parser for USD amounts)', () => {
  it('agrees with picoFromUsd on decimal strings, valid or not', () => {
    fc.assert(
      fc.property(decimal, (text) => {
        expect(parsePico(text)).toBe(reference(text))
      }),
      {
        numRuns: 5_000,
      },
    )
  })

  it('agrees with picoFromUsd on any string', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: fc.constantFrom(...'0123456789.-+e ,x'.split('')) }),
        (text) => {
          expect(parsePico(text)).toBe(reference(text))
        },
      ),
      { numRuns: 5_000 },
    )
  })

  it('reads the forms the ledger meets', () => {
    expect(parsePico('0.0000004788')).toBe(478_800n)
    expect(parsePico('4000000.000000000001')).toBe(4_000_000_000_000_000_001n)
    expect(parsePico('12.500000000000000')).toBe(12_500_000_000_000n)
    expect(parsePico('-0.5')).toBe(-500_000_000_000n)
    expect(parsePico('7')).toBe(7_000_000_000_000n)
    for (const bad of ['', '-', '.5', '5.', '1e-5', '0.0000000000001', ' 1', '1.2.3', '+1']) {
      expect(parsePico(bad)).toBeNull()
    }
  })
})
