import { describe, expect, it } from 'vitest'
import { readInstant } from './instant.js'

const iso = (text: string, options = {}) => {
  const result = readInstant(text, options)
  return result.ok ? result.date.toISOString() : `error: ${result.problem}`
}

describe('readInstant', () => {
  it('reads dates as midnight UTC and zone-less date-times as UTC', () => {
    expect(iso('2026-05-01')).toBe('2026-05-01T00:00:00.000Z')
    expect(iso('2026-05-01T12:34')).toBe('2026-05-01T12:34:00.000Z')
    expect(iso('2026-05-01 12:34:56')).toBe('2026-05-01T12:34:56.000Z')
    expect(iso('2026-05-01T12:34:56.789Z')).toBe('2026-05-01T12:34:56.789Z')
    expect(iso('2026-05-01T12:00+02:00')).toBe('2026-05-01T10:00:00.000Z')
    expect(iso('2026-05-01T12:00-05:30')).toBe('2026-05-01T17:30:00.000Z')
    expect(iso('2028-02-29')).toBe('2028-02-29T00:00:00.000Z')
  })

  it('rejects impossible dates and times, naming what is wrong', () => {
    expect(iso('2026-02-30')).toBe('error: "2026-02-30" is not a date: February 2026 has 28 days')
    expect(iso('2026-02-29')).toBe('error: "2026-02-29" is not a date: February 2026 has 28 days')
    expect(iso('2026-04-31')).toBe('error: "2026-04-31" is not a date: April 2026 has 30 days')
    expect(iso('2026-13-01')).toBe('error: "2026-13-01" is not a date: month 13 is not 01-12')
    expect(iso('2026-00-10')).toBe('error: "2026-00-10" is not a date: month 00 is not 01-12')
    expect(iso('2026-01-00')).toMatch(
      /^error: "2026-01-00" is not a date: January 2026 has 31 days/,
    )
    expect(iso('2026-01-01T24:00')).toBe('error: "2026-01-01T24:00": hour 24 is not 00-23')
    expect(iso('2026-01-01T10:60')).toBe('error: "2026-01-01T10:60": minute 60 is not 00-59')
    expect(iso('2026-01-01T10:00:60Z')).toBe(
      'error: "2026-01-01T10:00:60Z": second 60 is not 00-59',
    )
    expect(iso('2026-01-01T10:00+24:00')).toBe(
      'error: "2026-01-01T10:00+24:00": zone +24:00 is not a UTC offset',
    )
  })

  it('rejects anything that is not exactly a date or date-time', () => {
    for (const text of [
      '2026-01-01 junk',
      '2026-01-01junk',
      ' 2026-01-01',
      '2026-1-1',
      'May 1 2026',
      '',
      '2026-01-01T',
      '2026-01-01T10',
      '1714521600',
    ]) {
      expect(iso(text)).toMatch(/^error: expected a date YYYY-MM-DD or a date-time/)
    }
  })

  it('can require a zone on date-times and can accept dates only', () => {
    expect(iso('2026-05-01T12:00', { requireZone: true })).toMatch(/needs a zone/)
    expect(iso('2026-05-01', { requireZone: true })).toBe('2026-05-01T00:00:00.000Z')
    expect(iso('2026-05-01T12:00Z', { dateOnly: true })).toBe(
      'error: expected a date YYYY-MM-DD, got "2026-05-01T12:00Z"',
    )
    expect(iso('2026-02-30', { dateOnly: true })).toMatch(/February 2026 has 28 days/)
  })
})
