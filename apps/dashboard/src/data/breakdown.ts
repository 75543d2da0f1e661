/**
 * Spend by provider, by model, and the model x provider table: one `store.summarize` grouped by
 * the chosen keys, with per-row averages and cache-hit shares.
 */
import { usdFromPico, type Usd } from '@tokenledger/pricing'
import type { GroupKey, LedgerStore, SummaryRow } from '@tokenledger/store'
import type { BreakdownBy, ViewQuery } from '../validate-query.js'
import { ledgerQueryOf } from './ledger-query.js'
import { addRows, spendOf, tokenTotals, type TokenTotals } from './overview.js'

/** One row of a breakdown. A key not grouped on is absent; a null key is an unknown model or provider. */
export interface BreakdownRow {
  provider?: string | null
  model?: string | null
  calls: number
  pricedCalls: number
  unpricedCalls: number
  errorCalls: number
  abortedCalls: number
  tokens: TokenTotals
  /** Computed cost of the priced calls; null when none of the row's calls could be priced. */
  cost: Usd | null
  /** What providers reported for the row's unpriced calls; null when none reported a cost. */
  reportedCostOfUnpriced: Usd | null
  unpricedReportedCalls: number
  /** `cost` plus `reportedCostOfUnpriced`; null when neither is known. */
  spend: Usd | null
  /** cost / priced calls, rounded half up to the picodollar; null without priced calls. */
  avgCostPerCall: Usd | null
  /** Share of input tokens read from a cache (0..1); null without input tokens. */
  cacheHitShare: number | null
  cacheSavings: Usd
  reportedCost: Usd | null
  /** Calls that carry a provider-reported cost. */
  reportedCalls: number
  /** Our computed cost of those calls (their unpriced ones count nothing here). */
  computedCostOfReported: Usd
}

/** A breakdown (`GET /api/breakdown?by=...`). */
export interface Breakdown {
  by: BreakdownBy
  /** Highest cost first. */
  rows: BreakdownRow[]
  /** Computed cost of the priced calls of all rows; null when there are calls and none was priced. */
  total: Usd | null
  /** What providers reported for the unpriced calls of all rows; null when none reported a cost. */
  totalReportedOfUnpriced: Usd | null
  /** `total` plus `totalReportedOfUnpriced`. */
  totalSpend: Usd | null
  calls: number
}

const GROUPS: Record<BreakdownBy, GroupKey[]> = {
  provider: ['provider'],
  model: ['model'],
  'model-provider': ['model', 'provider'],
}

/** Divides picodollars by a count, rounding half up (display only; totals are never divided). */
export function averagePico(totalPico: bigint, count: number): bigint {
  const n = BigInt(count)
  return (2n * totalPico + n) / (2n * n)
}

function toRow(by: BreakdownBy, row: SummaryRow): BreakdownRow & { costPico: bigint } {
  const totals = addRows([row])
  const priced = totals.calls - totals.unpricedCalls
  const result: BreakdownRow & { costPico: bigint } = {
    calls: totals.calls,
    pricedCalls: priced,
    unpricedCalls: totals.unpricedCalls,
    errorCalls: totals.errorCalls,
    abortedCalls: totals.abortedCalls,
    tokens: tokenTotals(totals),
    ...spendOf(totals),
    avgCostPerCall: priced === 0 ? null : usdFromPico(averagePico(totals.costPico, priced)),
    cacheHitShare: totals.inputTokens === 0 ? null : totals.cacheReadTokens / totals.inputTokens,
    cacheSavings: usdFromPico(totals.cacheSavingsPico),
    reportedCost: totals.reportedCalls === 0 ? null : usdFromPico(totals.reportedCostPico),
    reportedCalls: totals.reportedCalls,
    computedCostOfReported: usdFromPico(totals.computedCostOfReportedPico),
    costPico: totals.costPico,
  }
  if (by !== 'model') result.provider = row.group['provider'] ?? null
  if (by !== 'provider') result.model = row.group['model'] ?? null
  return result
}

/** A breakdown from summary rows grouped as `by` asks (see GROUPS). */
export function breakdownFromRows(by: BreakdownBy, summary: readonly SummaryRow[]): Breakdown {
  const rows = summary.map((row) => toRow(by, row))
  rows.sort((a, b) => {
    if (a.costPico !== b.costPico) return a.costPico > b.costPico ? -1 : 1
    if (a.calls !== b.calls) return b.calls - a.calls
    return `${a.model ?? ''} ${a.provider ?? ''}`.localeCompare(
      `${b.model ?? ''} ${b.provider ?? ''}`,
    )
  })
  const totals = spendOf(addRows(summary))
  return {
    by,
    rows: rows.map(({ costPico: _, ...row }) => row),
    total: totals.cost,
    totalReportedOfUnpriced: totals.reportedCostOfUnpriced,
    totalSpend: totals.spend,
    calls: addRows(summary).calls,
  }
}

/** Loads a breakdown of a view. */
export async function loadBreakdown(
  store: LedgerStore,
  view: ViewQuery,
  by: BreakdownBy = view.by,
): Promise<Breakdown> {
  return breakdownFromRows(
    by,
    await store.summarize({ ...ledgerQueryOf(view), groupBy: GROUPS[by] }),
  )
}
