import { RATE_DECIMALS } from '../money.js'

const NUMBER = /^(\d+)(?:\.(\d+))?(?:[eE]([+-]?\d+))?$/

/**
 * The exact decimal string of a number's text times 10^shift: no binary floating point anywhere.
 * Catalogs write per-token prices as JSON numbers (`1.25e-06`) or strings (`"0.00000125"`); the
 * table wants USD per 1M tokens, so `scaleDecimal('1.25e-06', 6)` is `'1.25'` and
 * `scaleDecimal('0.075', 0)` is `'0.075'`. Null for text that is not a non-negative decimal.
 */
export function scaleDecimal(text: string, shift: number): string | null {
  const match = NUMBER.exec(text.trim())
  if (!match) return null
  const [, whole, fraction = '', exponent = '0'] = match
  let digits = `${whole}${fraction}`.replace(/^0+(?=\d)/, '')
  // value = digits x 10^(point), where point counts the places the decimal point moves right
  const point = Number(exponent) - fraction.length + shift
  if (point >= 0) digits += '0'.repeat(point)
  else {
    const places = -point
    if (digits.length <= places) digits = '0'.repeat(places - digits.length + 1) + digits
    digits = `${digits.slice(0, digits.length - places)}.${digits.slice(digits.length - places)}`
  }
  return tidy(digits)
}

function tidy(decimal: string): string {
  let [whole = '0', fraction = ''] = decimal.split('.')
  whole = whole.replace(/^0+(?=\d)/, '')
  fraction = fraction.replace(/0+$/, '')
  return fraction ? `${whole}.${fraction}` : whole
}

/** A rate as the table stores it (at most 6 decimal places), or the reason it cannot be one. */
export function toRate(text: string, shift: number): { rate: string } | { problem: string } {
  const rate = scaleDecimal(text, shift)
  if (rate === null) return { problem: `not a non-negative number: ${JSON.stringify(text)}` }
  const places = rate.split('.')[1]?.length ?? 0
  if (places > RATE_DECIMALS) {
    return { problem: `${rate} per 1M has more than ${RATE_DECIMALS} decimal places` }
  }
  return { rate }
}
