import { describe, expect, it } from 'vitest'
import type { TimeWindow } from './schema.js'
import { intlClock, isInWindow, localClock } from './time-window.js'

const offPeak: TimeWindow = {
  name: 'off-peak',
  timezone: 'UTC',
  start: '16:30',
  end: '00:30',
  rates: { input: '1', output: '1' },
}
const at = (iso: string) => new Date(iso)

describe('time windows', () => {
  it('includes the start and excludes the end', () => {
    expect(isInWindow(offPeak, at('2025-03-03T16:29:59Z'))).toBe(false)
    expect(isInWindow(offPeak, at('2025-03-03T16:30:00Z'))).toBe(true)
    expect(isInWindow(offPeak, at('2025-03-04T00:29:59Z'))).toBe(true)
    expect(isInWindow(offPeak, at('2025-03-04T00:30:00Z'))).toBe(false)
  })

  it('wraps past midnight', () => {
    expect(isInWindow(offPeak, at('2025-03-03T23:59:59Z'))).toBe(true)
    expect(isInWindow(offPeak, at('2025-03-04T00:00:00Z'))).toBe(true)
    expect(isInWindow(offPeak, at('2025-03-04T12:00:00Z'))).toBe(false)
  })

  it('names the day a wrapping window starts on', () => {
    const fridayNights: TimeWindow = { ...offPeak, days: ['fri'] }
    // 2025-03-07 is a Friday: Friday 23:00 and Saturday 00:10 belong to Friday's window...
    expect(isInWindow(fridayNights, at('2025-03-07T23:00:00Z'))).toBe(true)
    expect(isInWindow(fridayNights, at('2025-03-08T00:10:00Z'))).toBe(true)
    // ...Saturday 17:00 starts Saturday's window, which is not in the mask; Friday 00:10 is Thursday's.
    expect(isInWindow(fridayNights, at('2025-03-08T17:00:00Z'))).toBe(false)
    expect(isInWindow(fridayNights, at('2025-03-07T00:10:00Z'))).toBe(false)
  })

  it('uses the window time zone and weekday mask', () => {
    const peak: TimeWindow = {
      name: 'peak',
      timezone: 'Asia/Shanghai',
      start: '09:00',
      end: '12:00',
      days: ['mon', 'tue', 'wed', 'thu', 'fri'],
      rates: { input: '1', output: '1' },
    }
    // Monday 09:00 in Beijing is Monday 01:00 UTC.
    expect(isInWindow(peak, at('2026-05-04T01:00:00Z'))).toBe(true)
    expect(isInWindow(peak, at('2026-05-04T00:59:59Z'))).toBe(false)
    expect(isInWindow(peak, at('2026-05-04T04:00:00Z'))).toBe(false)
    // Saturday 10:00 Beijing: not a weekday.
    expect(isInWindow(peak, at('2026-05-09T02:00:00Z'))).toBe(false)
  })
})

describe('localClock, derived from an offset read once per quarter hour', () => {
  // Zones with DST at different local hours, half-hour and 45-minute offsets, a 30-minute DST
  // shift (Lord Howe), and the DeepSeek windows' own zone; every minute of each transition day
  // is compared with Intl's own reading, in an order that keeps the per-zone cache warm and cold.
  const ZONES = [
    'Asia/Shanghai',
    'America/New_York',
    'Europe/London',
    'Australia/Lord_Howe',
    'Asia/Kathmandu',
    'Asia/Kolkata',
    'America/St_Johns',
    'Pacific/Chatham',
    'UTC',
  ]
  // Days around the 2026 transitions of those zones (UTC midnight of the day before each).
  const DAYS = [
    '2026-03-07',
    '2026-03-28',
    '2026-04-04',
    '2026-09-26',
    '2026-10-03',
    '2026-10-24',
    '2026-10-31',
  ]

  it('equals the Intl reading at every minute around the 2026 transitions', () => {
    const mismatches: string[] = []
    for (const zone of ZONES) {
      for (const day of DAYS) {
        const start = Date.parse(`${day}T00:00:00Z`)
        for (let minute = 0; minute < 3 * 24 * 60; minute += 7) {
          const at = new Date(start + minute * 60_000 + 13_000)
          const got = localClock(at, zone)
          const want = intlClock(at, zone)
          if (JSON.stringify(got) !== JSON.stringify(want))
            mismatches.push(
              `${zone} ${at.toISOString()}: ${JSON.stringify(got)} vs ${JSON.stringify(want)}`,
            )
        }
      }
    }
    expect(mismatches.slice(0, 5)).toEqual([])
  })

  it('is right when instants jump back and forth between zones and years', () => {
    const instants = [
      '2026-11-01T05:59:59Z',
      '1999-12-31T23:59:00Z',
      '2026-11-01T06:00:00Z',
      '2030-06-15T12:34:56Z',
    ]
    for (const iso of instants) {
      for (const zone of ZONES) {
        const at = new Date(iso)
        expect(localClock(at, zone), `${zone} ${iso}`).toEqual(intlClock(at, zone))
      }
    }
  })
})
