/**
 * Spend over time for the stacked chart: one series per model (or provider), one exact value per
 * bucket, empty buckets filled with zero so the time axis has no gaps.
 */
import { picoFromUsd, usdFromPico, type Usd } from '@tokenledger/pricing'
import type { LedgerStore } from '@tokenledger/store'
import { bucketStarts, normaliseBucket, type Bucket } from '../period.js'
import type { StackBy, ViewQuery } from '../validate-query.js'
import { ledgerQueryOf } from './ledger-query.js'

/** One stacked series. `key` is null for calls whose model (or provider) is unknown. */
export interface SpendSeries {
  key: string | null
  /** Cost per bucket, aligned with `SpendOverTime.buckets`. */
  values: Usd[]
  calls: number[]
  total: Usd
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
  const byKey = new Map<string | null, { pico: bigint[]; calls: number[] }>()
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
      series = { pico: buckets.map(() => 0n), calls: buckets.map(() => 0) }
      byKey.set(row.key, series)
    }
    const pico = picoFromUsd(row.cost)
    series.pico[at] = series.pico[at]! + pico
    series.calls[at] = series.calls[at]! + row.calls
    totalPico += pico
    totalCalls += row.calls
  }
  const series = [...byKey.entries()]
    .map(([key, { pico, calls }]) => ({
      key,
      pico: pico.reduce((a, b) => a + b, 0n),
      values: pico.map(usdFromPico),
      calls,
    }))
    .sort((a, b) =>
      a.pico === b.pico ? String(a.key).localeCompare(String(b.key)) : a.pico > b.pico ? -1 : 1,
    )
    .map(({ key, pico, values, calls }) => ({ key, values, calls, total: usdFromPico(pico) }))
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
