import { describe, expect, it } from 'vitest'
import { periodWindow } from './budget-period.js'

const at = (iso: string) => new Date(iso)
const window = (period: Parameters<typeof periodWindow>[0], zone: string, now: string) => {
  const w = periodWindow(period, zone, at(now))
  return [w.since.toISOString(), w.resetsAt?.toISOString() ?? null]
}

describe('periodWindow', () => {
  it('a day is local midnight to local midnight', () => {
    expect(window('day', 'UTC', '2026-12-01T08:30:00Z')).toEqual([
      '2026-12-01T00:00:00.000Z',
      '2026-12-02T00:00:00.000Z',
    ])
    // Paris is UTC+1 in winter: its day of 1 December starts at 23:00Z the day before.
    expect(window('day', 'Europe/Paris', '2026-12-01T08:30:00Z')).toEqual([
      '2026-11-30T23:00:00.000Z',
      '2026-12-01T23:00:00.000Z',
    ])
    // 23:30Z on 1 December is already 2 December in Paris.
    expect(window('day', 'Europe/Paris', '2026-12-01T23:30:00Z')).toEqual([
      '2026-12-01T23:00:00.000Z',
      '2026-12-02T23:00:00.000Z',
    ])
    // Half-hour offsets: Kolkata is UTC+5:30.
    expect(window('day', 'Asia/Kolkata', '2026-12-01T08:30:00Z')).toEqual([
      '2026-11-30T18:30:00.000Z',
      '2026-12-01T18:30:00.000Z',
    ])
  })

  it('daylight saving: the day the clocks change is 23 or 25 hours long', () => {
    // Europe/Paris: 29 March 2026 02:00 -> 03:00 (UTC+1 -> UTC+2); 25 October 03:00 -> 02:00.
    expect(window('day', 'Europe/Paris', '2026-03-29T12:00:00Z')).toEqual([
      '2026-03-28T23:00:00.000Z',
      '2026-03-29T22:00:00.000Z',
    ])
    expect(window('day', 'Europe/Paris', '2026-10-25T12:00:00Z')).toEqual([
      '2026-10-24T22:00:00.000Z',
      '2026-10-25T23:00:00.000Z',
    ])
  })

  it('a week starts on Monday; a month on the first', () => {
    // 2026-12-03 is a Thursday.
    expect(window('week', 'UTC', '2026-12-03T10:00:00Z')).toEqual([
      '2026-11-30T00:00:00.000Z',
      '2026-12-07T00:00:00.000Z',
    ])
    // A Sunday belongs to the week that started six days before.
    expect(window('week', 'UTC', '2026-12-06T23:59:59Z')).toEqual([
      '2026-11-30T00:00:00.000Z',
      '2026-12-07T00:00:00.000Z',
    ])
    expect(window('month', 'UTC', '2026-12-31T23:59:59Z')).toEqual([
      '2026-12-01T00:00:00.000Z',
      '2027-01-01T00:00:00.000Z',
    ])
    expect(window('month', 'America/New_York', '2026-03-01T03:00:00Z')).toEqual([
      '2026-02-01T05:00:00.000Z',
      '2026-03-01T05:00:00.000Z',
    ])
  })

  it('a rolling window is the last N hours from the start of that hour, and has no reset instant', () => {
    expect(window({ rollingHours: 24 }, 'UTC', '2026-12-01T08:30:00Z')).toEqual([
      '2026-11-30T08:00:00.000Z',
      null,
    ])
  })
})
