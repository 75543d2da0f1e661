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
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
    })
    formatters.set(timeZone, formatter)
  }
  return formatter
}

/** The local weekday and minute of the day of `at` in `timeZone`. */
export function localClock(at: Date, timeZone: string): { weekday: Weekday; minute: number } {
  let weekday: Weekday = 'mon'
  let hour = 0
  let minute = 0
  for (const part of formatterFor(timeZone).formatToParts(at)) {
    if (part.type === 'weekday') weekday = WEEKDAY_BY_SHORT[part.value] ?? weekday
    else if (part.type === 'hour') hour = Number(part.value)
    else if (part.type === 'minute') minute = Number(part.value)
  }
  return { weekday, minute: hour * 60 + minute }
}

function minutesOf(clock: string): number {
  const [hours, minutes] = clock.split(':')
  return Number(hours) * 60 + Number(minutes)
}

/**
 * True when `at` falls inside the window: start inclusive, end exclusive, in the window's zone.
 * A window whose end is earlier than its start wraps past midnight, and its `days` name the day it
 * STARTS on: DeepSeek's off-peak 16:30-00:30 UTC on a Monday covers Monday 16:30 to Tuesday 00:30.
 */
export function isInWindow(window: TimeWindow, at: Date): boolean {
  const { weekday, minute } = localClock(at, window.timezone)
  const start = minutesOf(window.start)
  const end = minutesOf(window.end)
  const startsOn = (day: Weekday) => !window.days || window.days.includes(day)
  if (start === end) return startsOn(weekday) // a whole day
  if (start < end) return minute >= start && minute < end && startsOn(weekday)
  if (minute >= start) return startsOn(weekday)
  if (minute < end) return startsOn(PREVIOUS_DAY[weekday])
  return false
}
