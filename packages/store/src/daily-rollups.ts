/**
 * The daily rollup (`call_rollups_daily`, migration 005, keyed as the hourly one since 008): the
 * hourly rollup's contributions summed per UTC day. Writers hand the hourly `RollupDeltas` of a
 * transaction to their engine's daily writer, which folds them here and upserts them in the same
 * transaction, so the daily rows never disagree with the hourly ones (or with `calls`).
 *
 * Limit: a daily money cell overflows above 9,223,372 USD for one day x provider x model x status
 * (as an hourly cell does for one hour); sums over cells are exact at any size.
 */
import {
  ROLLUP_KEY_COLUMNS,
  ROLLUP_SUM_COLUMNS,
  type RollupDelta,
  type RollupDeltas,
  compareRollupKeys,
  rollupKeyId,
} from './rollups.js'

export const DAY_MS = 86_400_000

/** The key columns of a daily rollup row, in `rollupKeyValues` order. */
export const DAILY_KEY_COLUMNS = ROLLUP_KEY_COLUMNS.map((c) => (c === 'hour_ts' ? 'day_ts' : c))

/**
 * The hourly deltas folded per day, sorted by key (the lock order, as for the hourly rows); only
 * the ones that change something. `key.hourTs` holds the day's start.
 */
export function dailyDeltas(hourly: RollupDeltas): RollupDelta[] {
  const byDay = new Map<string, RollupDelta>()
  for (const { key, sums } of hourly.sorted()) {
    const dayKey = { ...key, hourTs: key.hourTs - (((key.hourTs % DAY_MS) + DAY_MS) % DAY_MS) }
    const id = rollupKeyId(dayKey)
    let day = byDay.get(id)
    if (!day) {
      day = { key: dayKey, sums: ROLLUP_SUM_COLUMNS.map(() => 0n) }
      byDay.set(id, day)
    }
    for (let i = 0; i < sums.length; i++) day.sums[i]! += sums[i]!
  }
  // Two hours of one day interleave their keys: the day rows are sorted again.
  return [...byDay.values()]
    .filter(({ sums }) => sums.some((value) => value !== 0n))
    .sort((a, b) => compareRollupKeys(a.key, b.key))
}
