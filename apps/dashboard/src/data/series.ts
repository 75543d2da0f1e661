/**
 * Spend over time for the stacked chart: one series per model (or provider), one exact value per
 * bucket, empty buckets filled with zero so the time axis has no gaps.
 */
import { picoFromUsd, usdFromPico, type Usd } from '@tokenledger/pricing'
import type { LedgerStore } from '@tokenledger/store'
import { bucketStarts, normaliseBucket, type Bucket } from '../period.js'
import type { StackBy, ViewQuery } from '../validate-query.js'
import { ledgerQueryOf } from './ledger-query.js'

/** One stacked series: a model (unpriced ones by their raw id) or a provider. */
export interface SpendSeries {
  key: string | null
  /**
   * Cost per bucket, aligned with `SpendOverTime.buckets`: null where the bucket has calls and none
   * of them could be priced (unknown, not zero), "0" where it has no calls.
   */
  values: (Usd | null)[]
  calls: number[]
  /** Unpriced calls per bucket (left out of `values`). */
  unpricedCalls: number[]
  /** Null when none of the series' calls could be priced. */
  total: Usd | null
}

/** The spend chart's data (`GET /api/series`). */
export interface SpendOverTime {
  bucket: Bucket
  stackBy: StackBy
  since: string
  until: string
  /** ISO start of every bucket (UTC). */
  buckets: string[]
  /** Largest total first, so the legend reads like a ranking. */
  series: SpendSeries[]
  total: Usd
  calls: number
}

/** Loads the spend chart of a view from `store.timeSeries`. */
export async function loadSeries(store: LedgerStore, view: ViewQuery): Promise<SpendOverTime> {
  const rows = await store.timeSeries({
    ...ledgerQueryOf(view),
    bucket: view.bucket,
    stackBy: view.stack,
  })
  const buckets = bucketStarts(view.period, view.bucket)
  const index = new Map(buckets.map((start, i) => [start, i]))
  const byKey = new Map<string | null, { pico: bigint[]; calls: number[]; unpriced: number[] }>()
  let totalPico = 0n
  let totalCalls = 0
  for (const row of rows) {
    const at = index.get(normaliseBucket(row.bucket))
    // The store answers only inside the period; a bucket outside it would mean a bug, not data to drop silently.
    if (at === undefined)
      throw new Error(
        `store.timeSeries returned bucket ${row.bucket} outside ${view.period.since.toISOString()}..${view.period.until.toISOString()}`,
      )
    let series = byKey.get(row.key)
    if (!series) {
      series = {
        pico: buckets.map(() => 0n),
        calls: buckets.map(() => 0),
        unpriced: buckets.map(() => 0),
      }
      byKey.set(row.key, series)
    }
    const pico = row.cost === null ? 0n : picoFromUsd(row.cost)
    series.pico[at] = series.pico[at]! + pico
    series.calls[at] = series.calls[at]! + row.calls
    series.unpriced[at] = series.unpriced[at]! + row.unpricedCalls
    totalPico += pico
    totalCalls += row.calls
  }
  const series = [...byKey.entries()]
    .map(([key, { pico, calls, unpriced }]) => ({
      key,
      pico: pico.reduce((a, b) => a + b, 0n),
      values: pico.map((value, i) =>
        calls[i]! > 0 && unpriced[i] === calls[i] ? null : usdFromPico(value),
      ),
      calls,
      unpriced,
      allUnpriced: unpriced.every((n, i) => n === calls[i]),
    }))
    .sort((a, b) =>
      a.pico === b.pico ? String(a.key).localeCompare(String(b.key)) : a.pico > b.pico ? -1 : 1,
    )
    .map(({ key, pico, values, calls, unpriced, allUnpriced }) => ({
      key,
      values,
      calls,
      unpricedCalls: unpriced,
      total: allUnpriced ? null : usdFromPico(pico),
    }))
  return {
    bucket: view.bucket,
    stackBy: view.stack,
    since: view.period.since.toISOString(),
    until: view.period.until.toISOString(),
    buckets,
    series,
    total: usdFromPico(totalPico),
    calls: totalCalls,
  }
}
