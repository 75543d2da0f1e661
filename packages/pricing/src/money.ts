/**
 * Exact money. Every amount is a decimal string in USD (`Usd`); arithmetic happens on `bigint`
 * counts of picodollars (1e-12 USD), never on JS numbers.
 *
 * Why picodollars: rates are USD per 1M tokens with at most 6 decimal places, so one token costs a
 * whole number of picodollars (0.0028 USD/M = 2,800 pUSD per token) and every cost is an exact
 * integer. Why bigint and not a decimal library: the only operations money needs are
 * integer x integer and sums, which bigint does exactly and fast on the metering hot path.
 */

/** A USD amount as a plain decimal string, e.g. `"0.0912"`. Never a JS number. */
export type Usd = string & { readonly __usd: true }

/** Decimal places a rate (USD per 1M tokens) may have: 6, so a token's cost is whole picodollars. */
export const RATE_DECIMALS = 6
/** Decimal places of picodollar amounts. */
export const PICO_DECIMALS = 12

const DECIMAL = /^(-?)(\d+)(?:\.(\d+))?$/

/** True when `value` is a plain decimal string (no exponent, no sign other than a leading minus). */
export function isDecimalString(value: unknown): value is string {
  return typeof value === 'string' && DECIMAL.test(value)
}

/**
 * Parses a decimal string into an integer count of `10^-decimals` units.
 * @throws RangeError when the string is not a decimal or has more fraction digits than `decimals`.
 * @example parseScaled('0.0028', 6) // 2800n
 */
export function parseScaled(value: string, decimals: number): bigint {
  const units = typeof value === 'string' ? scaledOrNull(value, decimals) : null
  if (units !== null) return units
  if (!isDecimalString(value)) {
    throw new RangeError(`expected a decimal string, got ${JSON.stringify(value)}`)
  }
  throw new RangeError(`${value} has more than ${decimals} decimal places`)
}

const ZEROS = '0'.repeat(PICO_DECIMALS)

/**
 * `parseScaled` without the error: the units, or null when `text` is not a decimal string with at
 * most `decimals` significant places. A character loop instead of DECIMAL and trimming: the ledger
 * parses five to seven amounts per stored call, and this is twice as fast (bench/ledger-ingest.mjs).
 */
function scaledOrNull(text: string, decimals: number): bigint | null {
  const end = text.length
  const start = text.charCodeAt(0) === 45 ? 1 : 0
  let dot = -1
  for (let i = start; i < end; i++) {
    const c = text.charCodeAt(i)
    if (c === 46 && dot < 0) dot = i
    else if (c < 48 || c > 57) return null
  }
  if (dot === start || dot === end - 1 || start === end) return null
  let digits: string
  if (dot < 0) {
    digits = text.slice(start) + zeros(decimals)
  } else {
    let last = end
    while (last > dot + 1 && text.charCodeAt(last - 1) === 48) last--
    const places = last - dot - 1
    if (places > decimals) return null
    digits = text.slice(start, dot) + text.slice(dot + 1, last) + zeros(decimals - places)
  }
  const units = BigInt(digits)
  return start === 1 ? -units : units
}

function zeros(count: number): string {
  return count <= ZEROS.length ? ZEROS.slice(0, count) : '0'.repeat(count)
}

/** Formats an integer count of `10^-decimals` units as a minimal decimal string ("0.42", "3"). */
export function formatScaled(units: bigint, decimals: number): string {
  if (units === 0n) return '0' // most cost parts of a call (no cache writes, no request fee)
  const negative = units < 0n
  const digits = (negative ? -units : units).toString().padStart(decimals + 1, '0')
  const point = digits.length - decimals
  // Trailing zeros found by a loop: a /0+$/ regex cost more than all the bigint math of a price.
  let end = digits.length
  while (end > point && digits.charCodeAt(end - 1) === 48) end--
  const whole = digits.slice(0, point)
  return (negative ? '-' : '') + whole + (end > point ? `.${digits.slice(point, end)}` : '')
}

/** Picodollars to a `Usd` string. */
export function usdFromPico(pico: bigint): Usd {
  return formatScaled(pico, PICO_DECIMALS) as Usd
}

/**
 * A `Usd` string (or any decimal string with at most 12 places) to picodollars.
 * @throws RangeError for a malformed amount.
 */
export function picoFromUsd(usd: string): bigint {
  return parseScaled(usd, PICO_DECIMALS)
}

/**
 * A provider-reported amount (OpenRouter's `usage.cost` is a JSON number, DeepSeek-style APIs send a
 * string) to picodollars, rounded half away from zero at the 12th place. Returns null when the value
 * is not a finite amount. Only reported figures pass through here; computed costs are always exact.
 */
export function picoFromReported(value: unknown): bigint | null {
  let text: string
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) return null
    // toFixed(13) is exact enough for any double that is a sane USD amount, and avoids exponents.
    text = Math.abs(value) < 1e9 ? value.toFixed(13) : value.toString()
  } else if (typeof value === 'string' && isDecimalString(value.trim())) {
    text = value.trim()
  } else {
    return null
  }
  const match = DECIMAL.exec(text)
  if (!match) return null
  const [, sign, whole, fraction = ''] = match
  const kept = BigInt(whole! + fraction.slice(0, PICO_DECIMALS).padEnd(PICO_DECIMALS, '0'))
  const roundUp = (fraction[PICO_DECIMALS] ?? '0') >= '5' ? 1n : 0n
  const units = kept + roundUp
  return sign === '-' ? -units : units
}

/** Sums `Usd` strings exactly. */
export function sumUsd(amounts: Iterable<string>): Usd {
  let total = 0n
  for (const amount of amounts) total += picoFromUsd(amount)
  return usdFromPico(total)
}

/** Rounds picodollars to `digits` decimal places of a dollar, half away from zero (for display). */
export function roundUsd(usd: string, digits: number): string {
  const pico = picoFromUsd(usd)
  const step = 10n ** BigInt(PICO_DECIMALS - digits)
  const abs = pico < 0n ? -pico : pico
  const rounded = ((abs + step / 2n) / step) * step
  const text = formatScaled(pico < 0n ? -rounded : rounded, PICO_DECIMALS)
  const [whole, fraction = ''] = text.split('.')
  return digits > 0 ? `${whole}.${fraction.padEnd(digits, '0')}` : whole!
}
