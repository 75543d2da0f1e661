import { describe, expect, it } from 'vitest'
import { bucketStarts, presetPeriod } from './period.js'
import { FILTER_PARAMS, PARAMS, QueryError, parseViewQuery, queriesOf } from './validate-query.js'

const now = new Date('2026-11-21T23:35:00Z')
const parse = (query: string, allow: readonly (typeof PARAMS)[number][] = PARAMS) =>
  parseViewQuery(queriesOf(new URLSearchParams(query)), { allow, now })

describe('periods', () => {
  it('presets are whole UTC days ending with today', () => {
    expect(presetPeriod('today', now)).toEqual({
      since: new Date('2026-11-21T00:00:00Z'),
      until: new Date('2026-11-22T00:00:00Z'),
      range: 'today',
    })
    expect(presetPeriod('7d', now).since).toEqual(new Date('2026-11-15T00:00:00Z'))
    expect(presetPeriod('90d', now).since).toEqual(new Date('2026-08-24T00:00:00Z'))
  })

  it('calendar months: this month so far, and the whole last month (UTC)', () => {
    expect(presetPeriod('month', now)).toEqual({
      since: new Date('2026-11-01T00:00:00Z'),
      until: new Date('2026-11-22T00:00:00Z'),
      range: 'month',
    })
    expect(presetPeriod('last-month', now)).toEqual({
      since: new Date('2026-10-01T00:00:00Z'),
      until: new Date('2026-11-01T00:00:00Z'),
      range: 'last-month',
    })
    // Across a year boundary.
    expect(presetPeriod('last-month', new Date('2027-01-01T00:00:00Z')).since).toEqual(
      new Date('2026-12-01T00:00:00Z'),
    )
    expect(parse('range=last-month').bucket).toBe('day')
  })

  it('defaults: 30 days, day buckets; today gets hours', () => {
    const view = parse('')
    // The 30 whole UTC days up to the end of today (now is 2026-11-21 23:35 UTC).
    expect(view.period).toEqual({
      since: new Date('2026-10-23T00:00:00Z'),
      until: new Date('2026-11-22T00:00:00Z'),
      range: '30d',
    })
    expect(view).toMatchObject({
      bucket: 'day',
      bucketGiven: false,
      stack: 'model',
      by: 'model-provider',
      limit: 50,
      offset: 0,
      priced: null,
      filters: { tags: {} },
    })
    expect(parse('range=today').bucket).toBe('hour')
  })

  it('a date `to` is inclusive, a date-time `to` exclusive', () => {
    expect(parse('from=2026-11-01&to=2026-11-01').period).toEqual({
      since: new Date('2026-11-01T00:00:00Z'),
      until: new Date('2026-11-02T00:00:00Z'),
      range: null,
    })
    expect(parse('from=2026-11-01T08:00:00%2B01:00&to=2026-11-01T09:30:00Z').period).toEqual({
      since: new Date('2026-11-01T07:00:00Z'),
      until: new Date('2026-11-01T09:30:00Z'),
      range: null,
    })
    expect(parse('from=2026-11-10').period.until).toEqual(new Date('2026-11-22T00:00:00Z'))
  })

  it('bucket starts cover the period with no gaps', () => {
    const hours = bucketStarts(
      {
        since: new Date('2026-11-01T10:30:00Z'),
        until: new Date('2026-11-01T13:00:00Z'),
        range: null,
      },
      'hour',
    )
    expect(hours).toEqual([
      '2026-11-01T10:00:00.000Z',
      '2026-11-01T11:00:00.000Z',
      '2026-11-01T12:00:00.000Z',
    ])
    expect(bucketStarts(presetPeriod('90d', now), 'day')).toHaveLength(90)
  })
})

describe('parseViewQuery', () => {
  it('reads filters, tags and options', () => {
    const view = parse(
      'provider=openrouter&model=deepseek-v4-flash&tag=feature%3Dchat&tag=env%3Dprod%3Dblue&status=error&priced=no&bucket=day&stack=provider&by=model&limit=500&offset=1000',
    )
    expect(view.filters).toEqual({
      provider: 'openrouter',
      model: 'deepseek-v4-flash',
      status: 'error',
      tags: { feature: 'chat', env: 'prod=blue' },
    })
    expect(view).toMatchObject({
      priced: 'no',
      bucket: 'day',
      bucketGiven: true,
      stack: 'provider',
      by: 'model',
      limit: 500,
      offset: 1000,
    })
  })

  it('throws a QueryError naming the parameter', () => {
    let error: unknown
    try {
      parse('limit=9999')
    } catch (caught) {
      error = caught
    }
    expect(error).toBeInstanceOf(QueryError)
    expect(error).toMatchObject({
      code: 'QUERY_INVALID',
      parameter: 'limit',
      message: "query parameter 'limit': expected a whole number from 1 to 500, got 9999",
    })
  })

  it('accepts only the parameters a route lists', () => {
    expect(() => parse('bucket=day', FILTER_PARAMS)).toThrow(
      "query parameter 'bucket': unknown parameter; expected one of range, from, to, provider, model, tag, status",
    )
    expect(() => parse('range=7d', ['token'])).toThrow(
      "query parameter 'range': unknown parameter; this address takes none",
    )
    expect(parse('token=whatever', FILTER_PARAMS).period.range).toBe('30d')
  })

  it('shows long bad values shortened', () => {
    expect(() => parse(`range=${'x'.repeat(100)}`)).toThrow(`got "${'x'.repeat(60)}..."`)
  })
})
