/**
 * Display formatting for money, token counts and shares. Money is formatted from its exact decimal
 * string with bigint arithmetic, so a sub-cent amount never turns into "$0.00" and a large one is
 * never rounded through a float.
 */
import { picoFromUsd, roundUsd, usdFromPico } from '@tokenledger/pricing'

const PICO_PER_USD = 10n ** 12n
const PICO_PER_CENT = 10n ** 10n

function groupThousands(whole: string): string {
  return whole.replace(/\B(?=(\d{3})+(?!\d))/g, ',')
}

/**
 * Formats a USD amount for people: two decimals from one dollar up, four from a cent up, and three
 * significant digits below a cent (`$0.000042`), so every non-zero amount stays visible.
 * @param usd an exact decimal string such as `"0.000042"` (a `Usd`)
 * @example formatUsd('1234.5') // '$1,234.50'
 * @example formatUsd('0.00004213') // '$0.0000421'
 */
export function formatUsd(usd: string): string {
  const pico = picoFromUsd(usd)
  const negative = pico < 0n
  const abs = negative ? -pico : pico
  const sign = negative ? '-' : ''
  if (abs === 0n) return '$0.00'
  if (abs >= PICO_PER_USD) {
    const [whole, fraction] = roundUsd(usdFromPico(abs), 2).split('.')
    return `${sign}$${groupThousands(whole!)}.${fraction}`
  }
  if (abs >= PICO_PER_CENT) return `${sign}$${roundUsd(usdFromPico(abs), 4)}`
  // Below a cent: keep three significant digits (at most 12 places, the picodollar).
  const leadingZeros = 12 - abs.toString().length
  const digits = Math.min(12, leadingZeros + 3)
  const rounded = roundUsd(usdFromPico(abs), digits).replace(/0+$/, '')
  return `${sign}$${rounded}`
}

/** Formats a token count with thousands separators: 1234567 -> "1,234,567". */
export function formatCount(count: number): string {
  return groupThousands(String(Math.round(count)))
}

/** Formats a count compactly for a card: 1234567 -> "1.23M", 950 -> "950". */
export function formatCompact(count: number): string {
  const units: [number, string][] = [
    [1e12, 'T'],
    [1e9, 'B'],
    [1e6, 'M'],
    [1e3, 'k'],
  ]
  for (const [size, suffix] of units) {
    if (Math.abs(count) >= size) {
      const fixed = (count / size).toFixed(Math.abs(count / size) >= 100 ? 0 : 2)
      // Trim zeros of the fraction only ("1.50" -> "1.5", "2.00" -> "2"), never of the whole part.
      return `${fixed.includes('.') ? fixed.replace(/\.?0+$/, '') : fixed}${suffix}`
    }
  }
  return String(count)
}

/** Formats a share 0..1 as a percentage with one decimal ("12.5%"), or "-" when undefined. */
export function formatShare(share: number | null): string {
  if (share === null || !Number.isFinite(share)) return '-'
  if (share > 0 && share < 0.001) return '<0.1%'
  return `${(share * 100).toFixed(1)}%`
}

/**
 * A count and its noun, with thousands separators and the right number: `plural(1, 'call')` is
 * "1 call", `plural(5539, 'call')` "5,539 calls".
 * @param many the plural when it is not `${one}s`
 */
export function plural(count: number, one: string, many = `${one}s`): string {
  return `${formatCount(count)} ${count === 1 ? one : many}`
}
