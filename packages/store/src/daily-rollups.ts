/**
 * The daily rollup (`call_rollups_daily`, migration 005): the hourly rollup's contributions summed
 * per UTC day. Writers hand the hourly `RollupDeltas` of a transaction to their engine's daily
 * writer, which folds them here and upserts them in the same transaction, so the daily rows never
 * disagree with the hourly ones (or with `calls`).
 *
 * Limit: a daily money cell overflows above 9,223,372 USD for one day x provider x model x status
 * (as an hourly cell does for one hour); sums over cells are exact at any size.
 */
import { ROLLUP_SUM_COLUMNS, type RollupDelta, type RollupDeltas } from './rollups.js'

export const DAY_MS = 86_400_000

/** The key columns of a daily rollup row. */
export const DAILY_KEY_COLUMNS = ['day_ts', 'provider', 'model', 'upstream', 'status'] as const

/**
 * The hourly deltas folded per day, sorted by key (the lock order, as for the hourly rows); only
 * the ones that change something. `key.hourTs` holds the day's start.
 */
export function dailyDeltas(hourly: RollupDeltas): RollupDelta[] {
  const byDay = new Map<string, RollupDelta>()
  for (const { key, sums } of hourly.sorted()) {
    const dayTs = key.hourTs - (((key.hourTs % DAY_MS) + DAY_MS) % DAY_MS)
    const id = `${dayTs}\u0000${key.provider}\u0000${key.model}\u0000${key.upstream}\u0000${key.status}`
    let day = byDay.get(id)
    if (!day) {
      day = { key: { ...key, hourTs: dayTs }, sums: ROLLUP_SUM_COLUMNS.map(() => 0n) }
      byDay.set(id, day)
    }
    for (let i = 0; i < sums.length; i++) day.sums[i]! += sums[i]!
  }
  // Hourly deltas come sorted by hour first, so days come out in key order too; a day's rows are
  // sorted again because two hours of one day interleave their provider/model keys.
  return [...byDay.values()]
    .filter(({ sums }) => sums.some((value) => value !== 0n))
    .sort((a, b) => compare(a, b))
}

function compare(a: RollupDelta, b: RollupDelta): number {
  if (a.key.hourTs !== b.key.hourTs) return a.key.hourTs - b.key.hourTs
  for (const field of ['provider', 'model', 'upstream', 'status'] as const) {
    if (a.key[field] !== b.key[field]) return a.key[field] < b.key[field] ? -1 : 1
  }
  return 0
}

/** `ON CONFLICT DO UPDATE` assignments adding the excluded row's sums to the daily row. */
export function dailyUpsertAssignments(): string {
  return ROLLUP_SUM_COLUMNS.map((c) => `${c} = call_rollups_daily.${c} + excluded.${c}`).join(', ')
}
