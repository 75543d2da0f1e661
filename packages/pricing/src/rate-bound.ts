/**
 * The largest rate a pricing file may give, in USD per 1M tokens. Listed rates run from fractions
 * of a dollar to hundreds; a rate with many integer digits is a typo (or a per-token price written
 * as per-million), and left in, it made costs too big for the ledger's 64-bit money columns.
 */
export const MAX_RATE_USD_PER_MILLION = 10_000

const MAX = BigInt(MAX_RATE_USD_PER_MILLION)

/** True for a decimal rate string (digits, optional fraction) at most MAX_RATE_USD_PER_MILLION. */
export function isRateWithinBound(rate: string): boolean {
  const [whole = '', fraction = ''] = rate.split('.')
  if (!/^\d+$/.test(whole)) return true // the shape is checked (and reported) elsewhere
  const units = BigInt(whole)
  return units < MAX || (units === MAX && /^0*$/.test(fraction))
}

/** The issue text for a rate above the bound. */
export function rateBoundProblem(rate: string): string {
  return `${rate} is above ${MAX_RATE_USD_PER_MILLION} USD per 1M tokens; rates are per million tokens (check the digits)`
}
