/**
 * The period a dashboard view covers, and the time buckets of its spend chart.
 *
 * Periods are whole UTC days (the store's day rollups are UTC, so aligned periods are answered from
 * them instead of scanning calls). The browser shows instants in its own time zone; day buckets
 * are labelled as UTC dates.
 */
import { DAY_MS, HOUR_MS } from '@tokenledger/pricing'

/** The period presets offered by the dashboard. `month` is this UTC month so far. */
export const RANGE_PRESETS = ['today', '7d', '30d', '90d', 'month', 'last-month'] as const
export type RangePreset = (typeof RANGE_PRESETS)[number]

/** Human labels of the presets, for the filter bar. */
export const RANGE_LABELS: Record<RangePreset, string> = {
  today: 'Today',
  '7d': '7 days',
  '30d': '30 days',
  '90d': '90 days',
  month: 'This month',
  'last-month': 'Last month',
}

/** The preset a view uses when the URL names none. */
export const DEFAULT_RANGE: RangePreset = '30d'

/** Spend chart bucket sizes. */
export const BUCKETS = ['hour', 'day'] as const
export type Bucket = (typeof BUCKETS)[number]

/** Hour buckets are offered for periods of at most this many days (14 x 24 = 336 bars). */
export const MAX_HOUR_BUCKET_DAYS = 14
/** The longest period a view may cover, in days (about ten years of day buckets). */
export const MAX_PERIOD_DAYS = 3660

export { DAY_MS, HOUR_MS }

/** A resolved period: `since` inclusive, `until` exclusive. */
export interface Period {
  since: Date
  until: Date
  /** The preset it came from, or null for an explicit from/to. */
  range: RangePreset | null
}

/** Midnight UTC of the day holding `at`. */
export function startOfUtcDay(at: Date): Date {
  return new Date(Math.floor(at.getTime() / DAY_MS) * DAY_MS)
}

/**
 * The period of a preset, in whole UTC days: the day presets end with the day that holds `now`;
 * `month` runs from the first of this UTC month to the end of today, `last-month` is the whole
 * previous calendar month.
 * @example presetPeriod('7d', new Date('2026-11-21T10:00:00Z'))
 * // { since: 2026-11-15T00:00Z, until: 2026-11-22T00:00Z, range: '7d' }
 * @example presetPeriod('last-month', new Date('2026-11-21T10:00:00Z'))
 * // { since: 2026-10-01T00:00Z, until: 2026-11-01T00:00Z, range: 'last-month' }
 */
export function presetPeriod(range: RangePreset, now: Date): Period {
  const endOfToday = new Date(startOfUtcDay(now).getTime() + DAY_MS)
  const monthStart = (offset: number) =>
    new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + offset, 1))
  switch (range) {
    case 'month':
      return { since: monthStart(0), until: endOfToday, range }
    case 'last-month':
      return { since: monthStart(-1), until: monthStart(0), range }
    default: {
      const days = range === 'today' ? 1 : Number.parseInt(range, 10)
      return { since: new Date(endOfToday.getTime() - days * DAY_MS), until: endOfToday, range }
    }
  }
}

/** The bucket a view uses when the URL names none: hours for a period of up to two days. */
export function defaultBucket(period: Period): Bucket {
  return period.until.getTime() - period.since.getTime() <= 2 * DAY_MS ? 'hour' : 'day'
}

/**
 * Every bucket start (ISO, UTC) from the bucket holding `since` up to `until` (exclusive), so the
 * chart shows empty hours and days as zero instead of skipping them.
 */
export function bucketStarts(period: Period, bucket: Bucket): string[] {
  const step = bucket === 'hour' ? HOUR_MS : DAY_MS
  const first = Math.floor(period.since.getTime() / step) * step
  const starts: string[] = []
  for (let at = first; at < period.until.getTime(); at += step) {
    starts.push(new Date(at).toISOString())
  }
  return starts
}

/** Normalises an ISO bucket label from the store (`2026-11-21T00:00:00Z`, `2026-11-21`) to `toISOString()` form. */
export function normaliseBucket(label: string): string {
  const parsed = Date.parse(/^\d{4}-\d{2}-\d{2}$/.test(label) ? `${label}T00:00:00Z` : label)
  return Number.isNaN(parsed) ? label : new Date(parsed).toISOString()
}
