/**
 * Spend by the values of one tag key (team, user, feature...): a breakdown by value and spend over
 * time stacked by value, with the view's filters. Both come from `store.summarize` grouped by
 * `tag:KEY` (answered from the tag rollups for the keys the ledger rolls up, from the raw calls
 * otherwise). Calls without the tag are one group, `value: null`.
 */
import { picoFromUsd, usdFromPico, type Usd } from '@tokenledger/pricing'
import type { GroupKey, LedgerStore, SummaryRow } from '@tokenledger/store'
import { bucketStarts, normaliseBucket, type Bucket } from '../period.js'
import type { ViewQuery } from '../validate-query.js'
import { addRows, tokenTotals, type TokenTotals } from './overview.js'
import { ledgerQueryOf } from './ledger-query.js'

/** Values shown as their own series; the rest are summed as "other values". */
export const MAX_SERIES_VALUES = 8

/** One value of the tag key. */
export interface TagValueRow {
  /** null: calls without this tag. */
  value: string | null
  calls: number
  pricedCalls: number
  unpricedCalls: number
  errorCalls: number
  tokens: TokenTotals
  /** Null when no call of the value could be priced (unknown, never $0). */
  cost: Usd | null
  /** Share of the view's priced cost (0..1), null when the view costs nothing. */
  share: number | null
}

/** The tag view (`GET /api/tags?key=...`). */
export interface TagSpend {
  key: string
  bucket: Bucket
  since: string
  until: string
  /** Highest cost first. */
  values: TagValueRow[]
  /** ISO start of every bucket (UTC). */
  buckets: string[]
  /** One series per top value (and one for the rest), aligned with `buckets`. */
  series: { value: string | null; other: boolean; values: Usd[]; calls: number[]; total: Usd }[]
  total: Usd
  calls: number
}

function valueRow(value: string | null, rows: SummaryRow[], totalPico: bigint): TagValueRow {
  const totals = addRows(rows)
  return {
    value,
    calls: totals.calls,
    pricedCalls: totals.calls - totals.unpricedCalls,
    unpricedCalls: totals.unpricedCalls,
    errorCalls: totals.errorCalls,
    tokens: tokenTotals(totals),
    // A value with no priced call has an unknown cost, never $0 (issue 9, item 11).
    cost: totals.calls === totals.unpricedCalls ? null : usdFromPico(totals.costPico),
    share: totalPico === 0n ? null : Number((totals.costPico * 1_000_000n) / totalPico) / 1_000_000,
  }
}

/** Loads the tag view of `key`. */
export async function loadTagSpend(
  store: LedgerStore,
  view: ViewQuery,
  key: string,
): Promise<TagSpend> {
  const group = `tag:${key}` as GroupKey
  const query = ledgerQueryOf(view)
  // One read: the rows by bucket and value; the totals by value are their sums.
  const byTime = await store.summarize({ ...query, groupBy: [view.bucket, group] })
  const total = addRows(byTime)
  const perValue = new Map<string | null, SummaryRow[]>()
  for (const row of byTime) {
    const value = row.group[group] ?? null
    const rows = perValue.get(value)
    if (rows) rows.push(row)
    else perValue.set(value, [row])
  }
  const values = [...perValue.entries()]
    .map(([value, rows]) => ({
      row: valueRow(value, rows, total.costPico),
      pico: addRows(rows).costPico,
    }))
    .sort((a, b) =>
      a.pico !== b.pico
        ? a.pico > b.pico
          ? -1
          : 1
        : String(a.row.value).localeCompare(String(b.row.value)),
    )
    .map(({ row }) => row)
  const top = new Set(values.slice(0, MAX_SERIES_VALUES).map((row) => row.value))
  const buckets = bucketStarts(view.period, view.bucket)
  const index = new Map(buckets.map((start, i) => [start, i]))
  const series = new Map<
    string,
    { value: string | null; other: boolean; pico: bigint[]; calls: number[] }
  >()
  for (const row of byTime) {
    const at = index.get(normaliseBucket(row.group[view.bucket]!))
    if (at === undefined) throw new Error(`bucket ${row.group[view.bucket]} outside the period`)
    const value = row.group[group] ?? null
    const other = !top.has(value)
    const id = other ? 'other' : `v:${value}`
    let entry = series.get(id)
    if (!entry) {
      entry = {
        value: other ? null : value,
        other,
        pico: buckets.map(() => 0n),
        calls: buckets.map(() => 0),
      }
      series.set(id, entry)
    }
    entry.pico[at] = entry.pico[at]! + (row.cost === null ? 0n : picoFromUsd(row.cost))
    entry.calls[at] = entry.calls[at]! + row.calls
  }
  const order = new Map(values.map((row, i) => [row.value, i]))
  return {
    key,
    bucket: view.bucket,
    since: view.period.since.toISOString(),
    until: view.period.until.toISOString(),
    values,
    buckets,
    series: [...series.values()]
      .sort((a, b) => (a.other ? 1 : b.other ? -1 : order.get(a.value)! - order.get(b.value)!))
      .map(({ value, other, pico, calls }) => ({
        value,
        other,
        values: pico.map(usdFromPico),
        calls,
        total: usdFromPico(pico.reduce((x, y) => x + y, 0n)),
      })),
    total: usdFromPico(total.costPico),
    calls: total.calls,
  }
}
