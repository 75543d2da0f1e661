import type { TimeWindow, Weekday } from './schema.js'

const WEEKDAY_BY_SHORT: Record<string, Weekday> = {
  Mon: 'mon',
  Tue: 'tue',
  Wed: 'wed',
  Thu: 'thu',
  Fri: 'fri',
  Sat: 'sat',
  Sun: 'sun',
}
const PREVIOUS_DAY: Record<Weekday, Weekday> = {
  mon: 'sun',
  tue: 'mon',
  wed: 'tue',
  thu: 'wed',
  fri: 'thu',
  sat: 'fri',
  sun: 'sat',
}

// Intl formatters are costly to build; one per time zone is enough.
const formatters = new Map<string, Intl.DateTimeFormat>()

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(timeZone)
  if (!formatter) {
    formatter = new Intl.DateTimeFormat('en-US', {
      timeZone,
      weekday: 'short',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
    })
    formatters.set(timeZone, formatter)
  }
  return formatter
}

/** The local wall clock of `at` in `timeZone`, read from Intl (slow: about 30 µs a call). */
export function intlClock(at: Date, timeZone: string): Clock {
  let weekday: Weekday = 'mon'
  let hour = 0
  let minute = 0
  let year = ''
  let month = ''
  let day = ''
  for (const part of formatterFor(timeZone).formatToParts(at)) {
    if (part.type === 'weekday') weekday = WEEKDAY_BY_SHORT[part.value] ?? weekday
    else if (part.type === 'hour') hour = Number(part.value)
    else if (part.type === 'minute') minute = Number(part.value)
    else if (part.type === 'year') year = part.value
    else if (part.type === 'month') month = part.value
    else if (part.type === 'day') day = part.value
  }
  return { date: `${year}-${month}-${day}`, weekday, minute: hour * 60 + minute }
}

const QUARTER_HOUR_MS = 900_000
const WEEKDAYS_FROM_SUNDAY: readonly Weekday[] = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat']
type Clock = { date: string; weekday: Weekday; minute: number }
/**
 * Per time zone: the UTC offset last read from Intl and the quarter hour (UTC) it was read for,
 * and the last clock derived (calls of the same minute share it).
 */
const offsets = new Map<
  string,
  { quarter: number; offsetMs: number; minuteOfClock: number; clock: Clock | null }
>()

/**
 * The local date (YYYY-MM-DD), weekday and minute of the day of `at` in `timeZone`.
 *
 * Intl is asked for the zone's UTC offset once per quarter hour and zone, and the clock is derived
 * from it: pricing a call must not cost a formatToParts (it was the largest part of metering one).
 * Zones change offset only at quarter hours of UTC (every offset in use is a whole number of
 * quarter hours, and transitions happen at whole local hours or half hours), so an offset read
 * anywhere in a quarter hour holds for all of it; time-window.test.ts checks this against Intl
 * around the transitions of several zones.
 */
export function localClock(at: Date, timeZone: string): Clock {
  const ms = at.getTime()
  const quarter = Math.floor(ms / QUARTER_HOUR_MS)
  const utcMinute = Math.floor(ms / 60_000)
  let known = offsets.get(timeZone)
  if (known?.quarter !== quarter) {
    const clock = intlClock(at, timeZone)
    const wallAsUtc = Date.parse(`${clock.date}T00:00:00Z`) + clock.minute * 60_000
    known = { quarter, offsetMs: wallAsUtc - utcMinute * 60_000, minuteOfClock: utcMinute, clock }
    offsets.set(timeZone, known)
  }
  if (known.minuteOfClock === utcMinute && known.clock !== null) return { ...known.clock }
  const local = new Date(ms + known.offsetMs)
  const clock: Clock = {
    date: local.toISOString().slice(0, 10),
    weekday: WEEKDAYS_FROM_SUNDAY[local.getUTCDay()]!,
    minute: local.getUTCHours() * 60 + local.getUTCMinutes(),
  }
  known.minuteOfClock = utcMinute
  known.clock = clock
  return { ...clock }
}

function previousDate(date: string): string {
  return new Date(Date.parse(`${date}T00:00:00Z`) - 86_400_000).toISOString().slice(0, 10)
}

function minutesOf(clock: string): number {
  const [hours, minutes] = clock.split(':')
  return Number(hours) * 60 + Number(minutes)
}

/**
 * True when `at` falls inside the window: start inclusive, end exclusive, in the window's zone.
 * A window whose end is earlier than its start wraps past midnight, and its `days` and `except`
 * name the day it STARTS on: DeepSeek's off-peak 16:30-00:30 UTC on a Monday covers Monday 16:30 to
 * Tuesday 00:30. A date in `except` (a public holiday) switches the window off for that local day:
 * peak 09:00-12:00 Asia/Shanghai with `except: ["2026-10-01"]` does not apply on 1 October at 10:00
 * Beijing time (02:00 UTC), although that day is a Thursday.
 */
export function isInWindow(window: TimeWindow, at: Date): boolean {
  const { date, weekday, minute } = localClock(at, window.timezone)
  const start = minutesOf(window.start)
  const end = minutesOf(window.end)
  const startsOn = (day: Weekday, startDate: string) =>
    (!window.days || window.days.includes(day)) && !window.except?.includes(startDate)
  if (start === end) return startsOn(weekday, date) // a whole day
  if (start < end) return minute >= start && minute < end && startsOn(weekday, date)
  if (minute >= start) return startsOn(weekday, date)
  if (minute < end) return startsOn(PREVIOUS_DAY[weekday], previousDate(date))
  return false
}
