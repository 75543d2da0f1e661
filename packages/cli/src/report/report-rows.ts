/**
 * The rows of `tokenledger report`, computed once for the table, `--json` and `--csv`: the store's
 * summary rows labelled and ordered, and the labelled totals (computed spend, what providers
 * reported for the calls we could not price, and their sum).
 */
import { picoFromUsd, usdFromPico, type Usd } from '@tokenledger/pricing'
import type { GroupKey, SummaryRow } from '@tokenledger/store'

/** One line of the report, as `--json` prints it: the store's summary row, its group as a label. */
export type ReportRow = {
  /** The group as one label (`2026-05-01 / deepseek-v4-flash` for two keys). */
  group: string
  /** The value of each key grouped by (null: no upstream, no such tag). */
  keys: Record<string, string | null>
} & Pick<
  SummaryRow,
  | 'calls'
  | 'inputTokens'
  | 'cacheReadTokens'
  | 'cacheWriteTokens'
  | 'outputTokens'
  | 'reasoningTokens'
  | 'cost'
  | 'reportedCost'
  | 'unpricedCalls'
  | 'reportedCostOfUnpriced'
  | 'unpricedReportedCalls'
  | 'spend'
  | 'errorCalls'
>

const TIME_KEYS = new Set<string>(['hour', 'day', 'week', 'month'])

/** A group value as a label: calls without a tag or upstream are "(none)". */
export function groupLabel(value: string | null): string {
  return value ?? '(none)'
}

/**
 * Orders rows key by key: time keys in time order, other keys by known spend, dearest first (ties
 * by name, "(none)" last), since that is what a reader looks for.
 */
export function reportRows(keys: readonly GroupKey[], summary: readonly SummaryRow[]): ReportRow[] {
  const spendOf = new Map<string, bigint>()
  const prefix = (row: SummaryRow, depth: number) =>
    JSON.stringify(keys.slice(0, depth + 1).map((key) => row.group[key] ?? null))
  // A group's weight at each level is the spend of all rows under it.
  for (const row of summary) {
    keys.forEach((_, depth) => {
      const id = prefix(row, depth)
      const add = row.spend === null ? 0n : picoFromUsd(row.spend)
      spendOf.set(id, (spendOf.get(id) ?? 0n) + add)
    })
  }
  const ordered = [...summary].sort((a, b) => {
    for (const [depth, key] of keys.entries()) {
      const p = a.group[key] ?? null
      const q = b.group[key] ?? null
      if (p === q) continue
      if (!TIME_KEYS.has(key)) {
        const x = spendOf.get(prefix(a, depth))!
        const y = spendOf.get(prefix(b, depth))!
        if (x !== y) return x > y ? -1 : 1
      }
      if (p === null || q === null) return p === null ? 1 : -1
      return p < q ? -1 : 1
    }
    return 0
  })
  return ordered.map((row) => ({
    group: keys.map((key) => groupLabel(row.group[key] ?? null)).join(' / '),
    keys: Object.fromEntries(keys.map((key) => [key, row.group[key] ?? null])),
    calls: row.calls,
    inputTokens: row.inputTokens,
    cacheReadTokens: row.cacheReadTokens,
    cacheWriteTokens: row.cacheWriteTokens,
    outputTokens: row.outputTokens,
    reasoningTokens: row.reasoningTokens,
    cost: row.cost,
    reportedCost: row.reportedCost,
    unpricedCalls: row.unpricedCalls,
    reportedCostOfUnpriced: row.reportedCostOfUnpriced,
    unpricedReportedCalls: row.unpricedReportedCalls,
    spend: row.spend,
    errorCalls: row.errorCalls,
  }))
}

/** Sums money that may be unknown: null only when every part is null. */
function sumKnown(values: readonly (Usd | null)[]): Usd | null {
  const known = values.filter((value): value is Usd => value !== null)
  return known.length === 0 ? null : usdFromPico(known.reduce((t, v) => t + picoFromUsd(v), 0n))
}

/** The total line of the table: every row added up exactly; unknown money stays null. */
export function totalRow(rows: readonly ReportRow[]): ReportRow {
  const sum = (pick: (row: ReportRow) => number) =>
    rows.reduce((total, row) => total + pick(row), 0)
  return {
    group: 'total',
    keys: {},
    calls: sum((row) => row.calls),
    inputTokens: sum((row) => row.inputTokens),
    cacheReadTokens: sum((row) => row.cacheReadTokens),
    cacheWriteTokens: sum((row) => row.cacheWriteTokens),
    outputTokens: sum((row) => row.outputTokens),
    reasoningTokens: sum((row) => row.reasoningTokens),
    cost: sumKnown(rows.map((row) => row.cost)),
    reportedCost: sumKnown(rows.map((row) => row.reportedCost)),
    unpricedCalls: sum((row) => row.unpricedCalls),
    reportedCostOfUnpriced: sumKnown(rows.map((row) => row.reportedCostOfUnpriced)),
    unpricedReportedCalls: sum((row) => row.unpricedReportedCalls),
    spend: sumKnown(rows.map((row) => row.spend)),
    errorCalls: sum((row) => row.errorCalls),
  }
}
