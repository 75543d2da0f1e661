import { describe, expect, it } from 'vitest'
import type { TimeWindow } from './schema.js'
import { isInWindow } from './time-window.js'

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
