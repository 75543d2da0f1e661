import { roundUsd } from '@tokenledger/pricing'

const integer = new Intl.NumberFormat('en-US')

/** Token counts with thousands separators. */
export function formatTokens(count: number): string {
  return integer.format(count)
}

/**
 * A USD amount for people: at least 2 decimals, and enough to show sub-cent costs (up to 6 decimals:
 * 0.0912 stays 0.0912, 0.00000042 shows as <$0.000001). Exact digits live in --json and --csv.
 */
export function formatUsd(usd: string | null): string {
  if (usd === null) return 'unpriced'
  const trimmed = usd.replace(/(\.\d*?)0+$/, '$1').replace(/\.$/, '')
  const decimals = (trimmed.split('.')[1] ?? '').length
  if (decimals <= 6) return `$${roundUsd(usd, Math.max(2, decimals))}`
  const rounded = roundUsd(usd, 6)
  return /^-?0\.0+$/.test(rounded) ? '<$0.000001' : `$${rounded}`
}

/** A rate in USD per 1M tokens, or a dash when absent. */
export function formatRate(rate: string | undefined): string {
  return rate === undefined ? '-' : `$${rate}`
}
