/**
 * The current period of a budget: when it started and when it resets. Calendar periods follow the
 * budget's time zone (its midnight, its Monday, its first of the month, daylight saving included);
 * a rolling window is the last N hours (from the start of that hour) and never resets at once
 * (`resetsAt` null).
 */
import type { BudgetPeriod } from './budget-definition.js'

/** A budget's current period. */
export interface PeriodWindow {
  since: Date
  /** Start of the next period; null for a rolling window. */
  resetsAt: Date | null
}

const HOUR_MS = 3_600_000

/** The period of `period` in `timeZone` that contains `now`. */
export function periodWindow(period: BudgetPeriod, timeZone: string, now: Date): PeriodWindow {
  if (typeof period === 'object') {
    // From the start of the hour N hours ago: the rollups answer it without reading raw calls, and
    // the window is at most an hour longer than asked (it counts more spend, never less).
    const since = Math.floor((now.getTime() - period.rollingHours * HOUR_MS) / HOUR_MS) * HOUR_MS
    return { since: new Date(since), resetsAt: null }
  }
  // A calendar period stands until it resets: computed once, not before every call (Intl is slow).
  const key = `${period}|${timeZone}`
  const known = calendarPeriods.get(key)
  const at = now.getTime()
  if (known && known.since.getTime() <= at && at < known.resetsAt.getTime()) return known
  const window = calendarPeriod(period, timeZone, now)
  if (calendarPeriods.size >= 64) calendarPeriods.clear()
  calendarPeriods.set(key, window)
  return window
}

/** The calendar periods last computed, by period and zone. */
const calendarPeriods = new Map<string, { since: Date; resetsAt: Date }>()

function calendarPeriod(
  period: 'day' | 'week' | 'month',
  timeZone: string,
  now: Date,
): { since: Date; resetsAt: Date } {
  const local = localDate(now, timeZone)
  let start: [number, number, number]
  let next: [number, number, number]
  if (period === 'day') {
    start = [local.year, local.month, local.day]
    next = [local.year, local.month, local.day + 1]
  } else if (period === 'week') {
    const back = (local.weekday + 6) % 7 // days since Monday
    start = [local.year, local.month, local.day - back]
    next = [local.year, local.month, local.day - back + 7]
  } else {
    start = [local.year, local.month, 1]
    next = [local.year, local.month + 1, 1]
  }
  return {
    since: new Date(midnight(start, timeZone)),
    resetsAt: new Date(midnight(next, timeZone)),
  }
}

interface LocalDate {
  year: number
  /** 1..12 */
  month: number
  day: number
  /** 0 Sunday .. 6 Saturday */
  weekday: number
}

const formats = new Map<string, Intl.DateTimeFormat>()

function format(timeZone: string): Intl.DateTimeFormat {
  let found = formats.get(timeZone)
  if (!found) {
    found = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    })
    formats.set(timeZone, found)
  }
  return found
}

/** The wall-clock fields of an instant in a zone, as a UTC timestamp of those fields. */
function wallClock(ms: number, timeZone: string): number {
  const parts: Record<string, number> = {}
  for (const part of format(timeZone).formatToParts(new Date(ms))) {
    if (part.type !== 'literal') parts[part.type] = Number(part.value)
  }
  return Date.UTC(
    parts['year']!,
    parts['month']! - 1,
    parts['day']!,
    parts['hour']!,
    parts['minute']!,
    parts['second']!,
  )
}

function localDate(now: Date, timeZone: string): LocalDate {
  const wall = new Date(wallClock(now.getTime(), timeZone))
  return {
    year: wall.getUTCFullYear(),
    month: wall.getUTCMonth() + 1,
    day: wall.getUTCDate(),
    weekday: wall.getUTCDay(),
  }
}

/** The instant of local midnight of a (possibly unnormalised) date in a zone. */
function midnight([year, month, day]: [number, number, number], timeZone: string): number {
  const wall = Date.UTC(year, month - 1, day)
  // Offset of the zone near that wall time, then corrected once for a change of offset between.
  let guess = wall - (wallClock(wall, timeZone) - wall)
  guess = wall - (wallClock(guess, timeZone) - guess)
  return guess
}
