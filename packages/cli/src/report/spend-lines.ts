import type { Usd } from '@tokenledger/pricing'
import { formatTokens, formatUsd } from '../render/format.js'
import type { ReportRow } from './report-rows.js'

const money = (usd: Usd | null) => (usd === null ? 'unknown' : formatUsd(usd))

/**
 * The labelled totals under a report table: what we computed, what providers reported for the calls
 * we could not price, and their sum; then how many calls neither figure covers.
 */
export function spendLines(total: ReportRow): string {
  const priced = total.calls - total.unpricedCalls
  const lines = [
    `computed cost (${formatTokens(priced)} priced call(s)): ${money(total.cost)}`,
    `¹ reported by providers for unpriced calls (${formatTokens(total.unpricedReportedCalls)} call(s)): ${money(total.reportedCostOfUnpriced ?? ('0' as Usd))}`,
    `² spend, computed + reported: ${money(total.spend)}`,
  ]
  const uncovered = total.unpricedCalls - total.unpricedReportedCalls
  if (uncovered > 0) {
    lines.push(
      `${formatTokens(uncovered)} call(s) have no price and no reported cost and are not in the spend; add their prices, then run \`tokenledger reprice\``,
    )
  }
  return `${lines.join('\n')}\n`
}
