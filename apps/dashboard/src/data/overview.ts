/**
 * The overview cards: totals of a view, answered by one `store.summarize` (the store's rollups keep
 * it fast on a big ledger). Money stays exact: sums are bigint picodollars, shown as `Usd`.
 */
import { picoFromUsd, usdFromPico, type Usd } from '@tokenledger/pricing'
import type { LedgerStore, SummaryRow } from '@tokenledger/store'
import type { RangePreset } from '../period.js'
import type { ViewFilters, ViewQuery } from '../validate-query.js'
import { ledgerQueryOf } from './ledger-query.js'

/** Token totals by class. `freshInput` is input that was neither read from nor written to a cache. */
export interface TokenTotals {
  input: number
  freshInput: number
  cacheRead: number
  cacheWrite: number
  output: number
  reasoning: number
}

/**
 * Provider-reported cost beside ours, on the calls that have both. Calls the provider priced but
 * we could not (no rate card) cannot be compared; they are counted apart, never as a zero of ours.
 */
export interface ReportedComparison {
  /** Calls with a reported cost in groups we priced completely. */
  calls: number
  reportedCost: Usd
  computedCost: Usd
  /** reported minus computed: positive when the provider charged more than we computed. */
  gap: Usd
  /** Calls with a reported cost that we could not price (left out of the comparison). */
  uncomparedCalls: number
  uncomparedReportedCost: Usd
}

/** The figures of the overview cards (`GET /api/overview`). */
export interface Overview {
  period: { since: string; until: string; range: RangePreset | null }
  filters: ViewFilters
  calls: number
  pricedCalls: number
  unpricedCalls: number
  errorCalls: number
  abortedCalls: number
  /** errorCalls / calls, null without calls. */
  errorRate: number | null
  /** Sum of the computed cost of the priced calls; null when there are calls and none was priced. */
  cost: Usd | null
  /** What providers reported for the calls we could not price; null when none reported a cost. */
  reportedCostOfUnpriced: Usd | null
  /** Unpriced calls that carry a provider-reported cost. */
  unpricedReportedCalls: number
  /** `cost` plus `reportedCostOfUnpriced`: the best known spend; null when neither is known. */
  spend: Usd | null
  /** What cache reads saved against the fresh-input rate. */
  cacheSavings: Usd
  tokens: TokenTotals
  /** Null when no call in the view has a provider-reported cost. */
  reported: ReportedComparison | null
}

/** Exact totals of several summary rows (or of none). */
export interface Totals {
  calls: number
  inputTokens: number
  cacheReadTokens: number
  cacheWriteTokens: number
  outputTokens: number
  reasoningTokens: number
  costPico: bigint
  cacheSavingsPico: bigint
  reportedCostPico: bigint
  computedCostOfReportedPico: bigint
  reportedCostOfUnpricedPico: bigint
  unpricedReportedCalls: number
  unpricedCalls: number
  errorCalls: number
  abortedCalls: number
  reportedCalls: number
}

/** Adds summary rows exactly (money as bigint picodollars). */
export function addRows(rows: Iterable<SummaryRow>): Totals {
  const totals: Totals = {
    calls: 0,
    inputTokens: 0,
    cacheReadTokens: 0,
    cacheWriteTokens: 0,
    outputTokens: 0,
    reasoningTokens: 0,
    costPico: 0n,
    cacheSavingsPico: 0n,
    reportedCostPico: 0n,
    computedCostOfReportedPico: 0n,
    reportedCostOfUnpricedPico: 0n,
    unpricedReportedCalls: 0,
    unpricedCalls: 0,
    errorCalls: 0,
    abortedCalls: 0,
    reportedCalls: 0,
  }
  for (const row of rows) {
    totals.calls += row.calls
    totals.inputTokens += row.inputTokens
    totals.cacheReadTokens += row.cacheReadTokens
    totals.cacheWriteTokens += row.cacheWriteTokens
    totals.outputTokens += row.outputTokens
    totals.reasoningTokens += row.reasoningTokens
    if (row.cost !== null) totals.costPico += picoFromUsd(row.cost)
    totals.cacheSavingsPico += picoFromUsd(row.cacheSavings)
    if (row.reportedCost !== null) totals.reportedCostPico += picoFromUsd(row.reportedCost)
    totals.computedCostOfReportedPico += picoFromUsd(row.computedCostOfReported)
    if (row.reportedCostOfUnpriced !== null) {
      totals.reportedCostOfUnpricedPico += picoFromUsd(row.reportedCostOfUnpriced)
    }
    totals.unpricedReportedCalls += row.unpricedReportedCalls
    totals.unpricedCalls += row.unpricedCalls
    totals.errorCalls += row.errorCalls
    totals.abortedCalls += row.abortedCalls
    totals.reportedCalls += row.reportedCalls
  }
  return totals
}

/**
 * The spend figures of exact totals: computed cost (null when there are calls and none was priced,
 * never a zero), what providers reported for the calls we could not price, and their sum.
 */
export function spendOf(totals: Totals): {
  cost: Usd | null
  reportedCostOfUnpriced: Usd | null
  unpricedReportedCalls: number
  spend: Usd | null
} {
  const cost =
    totals.calls > 0 && totals.unpricedCalls === totals.calls ? null : usdFromPico(totals.costPico)
  const reported =
    totals.unpricedReportedCalls === 0 ? null : usdFromPico(totals.reportedCostOfUnpricedPico)
  return {
    cost,
    reportedCostOfUnpriced: reported,
    unpricedReportedCalls: totals.unpricedReportedCalls,
    spend:
      cost === null && reported === null
        ? null
        : usdFromPico(totals.costPico + totals.reportedCostOfUnpricedPico),
  }
}

/** Token totals by class from exact totals. */
export function tokenTotals(totals: Totals): TokenTotals {
  return {
    input: totals.inputTokens,
    freshInput: totals.inputTokens - totals.cacheReadTokens - totals.cacheWriteTokens,
    cacheRead: totals.cacheReadTokens,
    cacheWrite: totals.cacheWriteTokens,
    output: totals.outputTokens,
    reasoning: totals.reasoningTokens,
  }
}

/**
 * The reported-vs-computed comparison over provider x model rows. A row counts when every call in
 * it was priced; rows with unpriced calls hold reported costs we have no figure for.
 */
export function compareReported(rows: readonly SummaryRow[]): ReportedComparison | null {
  const compared = addRows(rows.filter((row) => row.reportedCalls > 0 && row.unpricedCalls === 0))
  const uncompared = addRows(rows.filter((row) => row.reportedCalls > 0 && row.unpricedCalls > 0))
  if (compared.reportedCalls === 0 && uncompared.reportedCalls === 0) return null
  return {
    calls: compared.reportedCalls,
    reportedCost: usdFromPico(compared.reportedCostPico),
    computedCost: usdFromPico(compared.computedCostOfReportedPico),
    gap: usdFromPico(compared.reportedCostPico - compared.computedCostOfReportedPico),
    uncomparedCalls: uncompared.reportedCalls,
    uncomparedReportedCost: usdFromPico(uncompared.reportedCostPico),
  }
}

/** The overview from summary rows grouped by provider and model (`summarize` with that grouping). */
export function overviewFromRows(view: ViewQuery, rows: readonly SummaryRow[]): Overview {
  const totals = addRows(rows)
  return {
    period: {
      since: view.period.since.toISOString(),
      until: view.period.until.toISOString(),
      range: view.period.range,
    },
    filters: view.filters,
    calls: totals.calls,
    pricedCalls: totals.calls - totals.unpricedCalls,
    unpricedCalls: totals.unpricedCalls,
    errorCalls: totals.errorCalls,
    abortedCalls: totals.abortedCalls,
    errorRate: totals.calls === 0 ? null : totals.errorCalls / totals.calls,
    ...spendOf(totals),
    cacheSavings: usdFromPico(totals.cacheSavingsPico),
    tokens: tokenTotals(totals),
    reported: compareReported(rows),
  }
}

/** The summary rows of a view grouped by model and provider: the overview and the table share them. */
export function loadModelProviderRows(store: LedgerStore, view: ViewQuery): Promise<SummaryRow[]> {
  return store.summarize({ ...ledgerQueryOf(view), groupBy: ['model', 'provider'] })
}

/** Computes the overview of a view (one `summarize`, answered from the rollups when possible). */
export async function loadOverview(store: LedgerStore, view: ViewQuery): Promise<Overview> {
  return overviewFromRows(view, await loadModelProviderRows(store, view))
}
