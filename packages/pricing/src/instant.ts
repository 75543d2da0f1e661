/**
 * The one strict parser of dates and instants, shared by the CLI flags (`--at`, `--since`,
 * `--until`), the dashboard's `from=` / `to=` and the pricing files' card `from` and `checked`.
 *
 * Accepted: `YYYY-MM-DD` (midnight UTC), or `YYYY-MM-DDTHH:MM[:SS[.fff]]` followed by an optional
 * zone `Z` or `±HH:MM` (`T` may be a single space). A date-time without a zone is UTC, never the
 * machine's local zone (callers that need a zone say `requireZone`). Every field is checked:
 * 2026-02-30, hour 24 and second 60 are errors, and so is anything after the instant.
 */
import { MINUTE_MS } from './time-units.js'

/** What `readInstant` accepts. */
export interface InstantOptions {
  /** A date-time must carry `Z` or `±HH:MM` (a date alone is still midnight UTC). @default false */
  requireZone?: boolean
  /** Only `YYYY-MM-DD`. @default false */
  dateOnly?: boolean
}

/** A parsed instant, or why the text is not one. */
export type InstantResult = { ok: true; date: Date } | { ok: false; problem: string }

const SHAPE =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})?)?$/

const FORMAT = 'expected a date YYYY-MM-DD or a date-time YYYY-MM-DDTHH:MM[:SS][Z|±HH:MM]'
const MONTHS = [
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December',
]

function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate()
}

/**
 * Reads a date or date-time strictly (see the module comment).
 * @example readInstant('2026-02-30') // { ok: false, problem: '"2026-02-30" is not a date: February 2026 has 28 days' }
 * @example readInstant('2026-05-01T12:00') // { ok: true, date: 2026-05-01T12:00:00.000Z }
 */
export function readInstant(text: string, options: InstantOptions = {}): InstantResult {
  const fail = (problem: string): InstantResult => ({ ok: false, problem })
  const quoted = JSON.stringify(text)
  const match = typeof text === 'string' ? SHAPE.exec(text) : null
  if (!match)
    return fail(`${options.dateOnly ? 'expected a date YYYY-MM-DD' : FORMAT}, got ${quoted}`)
  const [, y, mo, d, h, mi, s, fraction, zone] = match
  const year = Number(y)
  const month = Number(mo)
  const day = Number(d)
  if (options.dateOnly && h !== undefined) return fail(`expected a date YYYY-MM-DD, got ${quoted}`)
  if (month < 1 || month > 12) return fail(`${quoted} is not a date: month ${mo} is not 01-12`)
  const days = daysInMonth(year, month)
  if (day < 1 || day > days) {
    return fail(`${quoted} is not a date: ${MONTHS[month - 1]} ${y} has ${days} days`)
  }
  const hour = Number(h ?? 0)
  const minute = Number(mi ?? 0)
  const second = Number(s ?? 0)
  if (hour > 23) return fail(`${quoted}: hour ${h} is not 00-23`)
  if (minute > 59) return fail(`${quoted}: minute ${mi} is not 00-59`)
  if (second > 59) return fail(`${quoted}: second ${s} is not 00-59`)
  if (h !== undefined && zone === undefined && options.requireZone) {
    return fail(`${quoted}: a date-time needs a zone, Z or ±HH:MM (e.g. ${text}Z)`)
  }
  let offsetMinutes = 0
  if (zone !== undefined && zone !== 'Z') {
    const zoneHours = Number(zone.slice(1, 3))
    const zoneMinutes = Number(zone.slice(4, 6))
    if (zoneHours > 23 || zoneMinutes > 59)
      return fail(`${quoted}: zone ${zone} is not a UTC offset`)
    offsetMinutes = (zone[0] === '-' ? -1 : 1) * (zoneHours * 60 + zoneMinutes)
  }
  const millis = fraction === undefined ? 0 : Math.floor(Number(`0${fraction}`) * 1000)
  const utc = Date.UTC(year, month - 1, day, hour, minute, second, millis)
  // Date.UTC maps years 0-99 to 1900-1999; set the year again to keep it as written.
  const date = new Date(utc)
  date.setUTCFullYear(year)
  return { ok: true, date: new Date(date.getTime() - offsetMinutes * MINUTE_MS) }
}
