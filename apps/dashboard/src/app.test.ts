/**
 * The JSON API and CSV downloads, in-process with `app.request()`, over real ledgers (SQLite file
 * and PostgreSQL schema) filled through the store: every total must equal the sums of the records
 * exactly, and every bad parameter must answer 400 naming it.
 */
import { picoFromUsd, usdFromPico } from '@tokenledger/pricing'
import type { CallRecord } from '@tokenledger/store'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ENGINES, createTestLedger, type TestLedger } from './__fixtures__/test-ledger.js'
import {
  HOSTILE_MODEL,
  HOSTILE_REQUESTED,
  HOSTILE_TAG,
  NOW,
  expectedSeries,
  expectedTotals,
  groupBy,
  modelOf,
  testRecords,
} from './__fixtures__/reference.js'
import { createDashboardApp } from './app.js'
import type { Breakdown } from './data/breakdown.js'
import type { CallsPage } from './data/calls.js'
import type { Overview } from './data/overview.js'
import type { SpendOverTime } from './data/series.js'

const records = testRecords()
const inPeriod = (from: string, to: string) =>
  records.filter((r) => r.timestamp >= from && r.timestamp < to)

describe.each(ENGINES)('dashboard API on $name', ({ name, skip }) => {
  let ledger: TestLedger
  let app: ReturnType<typeof createDashboardApp>
  const get = async <T>(path: string): Promise<T> => {
    const response = await app.request(path)
    expect(response.status, `${path}: ${await response.clone().text()}`).toBe(200)
    return (await response.json()) as T
  }

  beforeAll(async () => {
    if (skip) return
    ledger = await createTestLedger(name, records)
    app = createDashboardApp({ store: ledger.store, now: () => NOW })
  })
  afterAll(async () => {
    await ledger?.cleanup()
  })

  it.skipIf(skip)(
    'overview totals equal the sums of the records, with and without filters',
    async () => {
      const all = await get<Overview>('/api/overview?range=30d')
      const expected = expectedTotals(records)
      expect(all).toMatchObject({
        ...expected,
        period: {
          since: '2026-04-13T00:00:00.000Z',
          until: '2026-05-13T00:00:00.000Z',
          range: '30d',
        },
      })
      expect(all.errorRate).toBe(expected.errorCalls / expected.calls)
      // Sanity of the fixture itself: the test would prove little without these.
      expect(expected.unpricedCalls).toBeGreaterThan(20)
      expect(expected.errorCalls).toBeGreaterThan(5)
      expect(expected.abortedCalls).toBeGreaterThan(5)

      const openrouter = await get<Overview>('/api/overview?range=30d&provider=openrouter')
      expect(openrouter).toMatchObject(
        expectedTotals(records.filter((r) => r.provider === 'openrouter')),
      )

      const chat = await get<Overview>(
        '/api/overview?range=30d&tag=feature%3Dchat&tag=user%3Dalice',
      )
      expect(chat).toMatchObject(
        expectedTotals(
          records.filter((r) => r.tags['feature'] === 'chat' && r.tags['user'] === 'alice'),
        ),
      )

      const week = await get<Overview>('/api/overview?range=7d&model=deepseek-v4-flash')
      expect(week).toMatchObject(
        expectedTotals(
          inPeriod('2026-05-06T00:00:00.000Z', '2026-05-13T00:00:00.000Z').filter(
            (r) => r.model === 'deepseek-v4-flash',
          ),
        ),
      )

      const custom = await get<Overview>('/api/overview?from=2026-05-02&to=2026-05-03')
      expect(custom.period).toEqual({
        since: '2026-05-02T00:00:00.000Z',
        until: '2026-05-04T00:00:00.000Z',
        range: null,
      })
      expect(custom).toMatchObject(
        expectedTotals(inPeriod('2026-05-02T00:00:00.000Z', '2026-05-04T00:00:00.000Z')),
      )

      const precise = await get<Overview>(
        '/api/overview?from=2026-05-02T06:30:00Z&to=2026-05-02T18:00:00Z&status=error',
      )
      expect(precise).toMatchObject(
        expectedTotals(
          inPeriod('2026-05-02T06:30:00.000Z', '2026-05-02T18:00:00.000Z').filter(
            (r) => r.status === 'error',
          ),
        ),
      )
    },
  )

  it.skipIf(skip)(
    'overview compares reported and computed cost only where both exist',
    async () => {
      const { reported } = await get<Overview>('/api/overview?range=30d')
      const both = records.filter((r) => r.reportedCost !== null && r.cost !== null)
      const sum = (values: string[]) => usdFromPico(values.reduce((a, v) => a + picoFromUsd(v), 0n))
      expect(reported).not.toBeNull()
      expect(reported!.calls).toBe(both.length)
      expect(reported!.reportedCost).toBe(sum(both.map((r) => r.reportedCost!)))
      expect(reported!.computedCost).toBe(sum(both.map((r) => r.cost!)))
      expect(reported!.gap).toBe(
        usdFromPico(picoFromUsd(reported!.reportedCost) - picoFromUsd(reported!.computedCost)),
      )
      expect(picoFromUsd(reported!.gap)).toBeLessThan(0n) // OpenRouter's reported rates are below its card in the factory
    },
  )

  it.skipIf(skip)(
    'series: one value per bucket and key, summing exactly to the overview',
    async () => {
      for (const [bucket, stack, query] of [
        ['day', 'model', 'range=30d'],
        ['day', 'provider', 'range=30d&stack=provider'],
        ['hour', 'model', 'from=2026-05-03&to=2026-05-04&bucket=hour'],
      ] as const) {
        const series = await get<SpendOverTime>(`/api/series?${query}`)
        expect(series.bucket).toBe(bucket)
        expect(series.stackBy).toBe(stack)
        const overview = await get<Overview>(
          `/api/overview?${query.replace(/&(stack|bucket)=\w+/g, '')}`,
        )
        expect(series.total).toBe(overview.cost)
        let sum = 0n
        const cells = expectedSeries(records, bucket, stack)
        for (const s of series.series) {
          expect(s.values).toHaveLength(series.buckets.length)
          s.values.forEach((value, i) => {
            // null: the bucket has calls and none priced (item 11); never a zero.
            if (value === null) expect(s.unpricedCalls[i]).toBe(s.calls[i])
            const pico = value === null ? 0n : picoFromUsd(value)
            sum += pico
            expect(pico, `${series.buckets[i]} ${s.key}`).toBe(
              cells.get(`${series.buckets[i]} ${String(s.key)}`) ?? 0n,
            )
          })
        }
        expect(usdFromPico(sum)).toBe(overview.cost)
      }
      const day = await get<SpendOverTime>('/api/series?range=7d')
      expect(day.buckets).toHaveLength(7)
      expect(day.buckets[0]).toBe('2026-05-06T00:00:00.000Z')
      const keys = (await get<SpendOverTime>('/api/series?range=30d')).series.map((s) => s.key)
      // Unpriced models are named by their ids, never lumped as null (item 12).
      expect(new Set(keys)).toEqual(new Set(records.map(modelOf)))
    },
  )

  it.skipIf(skip)('breakdowns equal the grouped sums of the records', async () => {
    for (const by of ['provider', 'model', 'model-provider'] as const) {
      const breakdown = await get<Breakdown>(`/api/breakdown?range=30d&by=${by}`)
      const groups = groupBy(records, (r) =>
        by === 'provider'
          ? r.provider
          : by === 'model'
            ? modelOf(r)
            : `${modelOf(r)}|${r.provider}`,
      )
      expect(breakdown.rows).toHaveLength(groups.size)
      expect(breakdown.total).toBe(expectedTotals(records).cost)
      for (const row of breakdown.rows) {
        const key =
          by === 'provider'
            ? row.provider
            : by === 'model'
              ? String(row.model)
              : `${String(row.model)}|${row.provider}`
        const group = groups.get(key!)!
        const expected = expectedTotals(group)
        expect(row).toMatchObject({
          calls: expected.calls,
          cost: expected.cost,
          unpricedCalls: expected.unpricedCalls,
          tokens: expected.tokens,
        })
        expect(row.cacheHitShare).toBe(
          expected.tokens.input === 0 ? null : expected.tokens.cacheRead / expected.tokens.input,
        )
        if (expected.pricedCalls === 0) expect(row.avgCostPerCall).toBeNull()
        else {
          const avg = picoFromUsd(row.avgCostPerCall!)
          // Rounded half up to the picodollar: within half a picodollar of the true mean.
          const diff = avg * BigInt(expected.pricedCalls) - picoFromUsd(expected.cost!)
          expect(2n * (diff < 0n ? -diff : diff)).toBeLessThanOrEqual(BigInt(expected.pricedCalls))
        }
      }
      const costs = breakdown.rows.map((r) => picoFromUsd(r.cost ?? '0'))
      expect([...costs].sort((a, b) => (a > b ? -1 : a < b ? 1 : 0))).toEqual(costs)
    }
  })

  it.skipIf(skip)('calls: pages newest first, filters, the unpriced list, one call', async () => {
    const sorted = [...records].sort((a, b) =>
      a.timestamp === b.timestamp ? (a.id < b.id ? 1 : -1) : a.timestamp < b.timestamp ? 1 : -1,
    )
    const first = await get<CallsPage>('/api/calls?range=30d&limit=25')
    expect(first.total).toBe(records.length)
    expect(first.rows.map((r) => r.id)).toEqual(sorted.slice(0, 25).map((r) => r.id))
    const third = await get<CallsPage>('/api/calls?range=30d&limit=25&offset=50')
    expect(third.rows.map((r) => r.id)).toEqual(sorted.slice(50, 75).map((r) => r.id))

    const unpriced = records.filter((r) => r.cost === null)
    const page = await get<CallsPage>('/api/calls?range=30d&priced=no&limit=500')
    expect(page.total).toBe(unpriced.length)
    expect(new Set(page.rows.map((r) => r.id))).toEqual(new Set(unpriced.map((r) => r.id)))
    expect(page.rows.every((r) => r.cost === null)).toBe(true)
    const pricedOxen = await get<CallsPage>(
      '/api/calls?range=30d&priced=yes&provider=deepseek&tag=user%3Dbob&limit=500',
    )
    const expected = records.filter(
      (r) => r.cost !== null && r.provider === 'deepseek' && r.tags['user'] === 'bob',
    )
    expect(pricedOxen.total).toBe(expected.length)
    expect(pricedOxen.rows.map((r) => r.id)).toEqual(
      sorted.filter((r) => expected.includes(r)).map((r) => r.id),
    )

    const one = records[17]!
    const call = await get<CallRecord>(`/api/calls/${one.id}`)
    expect(call).toMatchObject({
      id: one.id,
      provider: one.provider,
      cost: one.cost,
      usage: { inputTokens: one.usage.inputTokens },
      tags: one.tags,
    })
    const missing = await app.request('/api/calls/00000000-0000-4000-8000-000000000000')
    expect(missing.status).toBe(404)
    expect(await missing.json()).toEqual({
      error: 'call "00000000-0000-4000-8000-000000000000" not found',
    })
  })

  it.skipIf(skip)('CSV downloads hold the same exact figures as the JSON', async () => {
    const response = await app.request('/api/csv/breakdown?range=30d&by=model-provider')
    expect(response.status).toBe(200)
    expect(response.headers.get('content-type')).toBe('text/csv; charset=utf-8')
    expect(response.headers.get('content-disposition')).toBe(
      'attachment; filename="tokenledger-by-model-provider-2026-04-13-to-2026-05-12.csv"',
    )
    const lines = (await response.text()).trimEnd().split('\r\n')
    const header = lines[0]!.split(',')
    const json = await get<Breakdown>('/api/breakdown?range=30d&by=model-provider')
    expect(lines).toHaveLength(json.rows.length + 1)
    const costAt = header.indexOf('cost_usd')
    const callsAt = header.indexOf('calls')
    let total = 0n
    json.rows.forEach((row, i) => {
      const cells = parseCsvLine(lines[i + 1]!)
      expect(cells[0]).toBe(row.model ?? '')
      expect(cells[1]).toBe(row.provider)
      expect(cells[callsAt]).toBe(String(row.calls))
      // Unpriced: an empty cell, never 0 (item 11).
      expect(cells[costAt]).toBe(row.cost ?? '')
      if (row.cost !== null) total += picoFromUsd(cells[costAt]!)
    })
    expect(usdFromPico(total)).toBe(json.total)

    const series = (await (await app.request('/api/csv/series?range=7d&stack=provider')).text())
      .trimEnd()
      .split('\r\n')
    expect(series[0]).toBe('day_start_utc,provider,cost_usd,calls')
    const seriesJson = await get<SpendOverTime>('/api/series?range=7d&stack=provider')
    expect(series).toHaveLength(1 + seriesJson.buckets.length * seriesJson.series.length)
    const seriesTotal = series
      .slice(1)
      .reduce((sum, line) => sum + picoFromUsd(parseCsvLine(line)[2] || '0'), 0n)
    expect(usdFromPico(seriesTotal)).toBe(seriesJson.total)

    // The calls CSV is every call of the view (not a page), and its cost column sums exactly.
    const callsCsv = await app.request('/api/csv/calls?range=30d')
    expect(callsCsv.headers.get('content-disposition')).toBe(
      'attachment; filename="tokenledger-calls-2026-04-13-to-2026-05-12.csv"',
    )
    const calls = (await callsCsv.text()).trimEnd().split('\r\n')
    const callsHeader = parseCsvLine(calls[0]!)
    expect(calls).toHaveLength(records.length + 1)
    const callCost = callsHeader.indexOf('cost_usd')
    const exported = calls.slice(1).map(parseCsvLine)
    expect(
      usdFromPico(exported.reduce((sum, c) => sum + picoFromUsd(c[callCost] || '0'), 0n)),
    ).toBe(expectedTotals(records).cost)
    expect(exported.filter((c) => c[callCost] === '')).toHaveLength(
      expectedTotals(records).unpricedCalls,
    )
    const overview = (await (await app.request('/api/csv/overview?range=30d')).text()).split('\r\n')
    expect(overview).toContain(`cost_usd,${expectedTotals(records).cost}`)
    expect(overview).toContain(`spend_usd,${expectedTotals(records).spend}`)
  })

  it.skipIf(skip)('exports every call of a view as NDJSON, with the list filters', async () => {
    const response = await app.request('/api/export/calls.ndjson?range=7d&priced=no')
    expect(response.status).toBe(200)
    expect(response.headers.get('content-type')).toBe('application/x-ndjson; charset=utf-8')
    expect(response.headers.get('content-disposition')).toBe(
      'attachment; filename="tokenledger-calls-2026-05-06-to-2026-05-12.ndjson"',
    )
    const lines = (await response.text()).split('\n')
    expect(lines.pop()).toBe('')
    const exported = lines.map((line) => JSON.parse(line) as CallRecord)
    const expected = inPeriod('2026-05-06', '2026-05-13').filter((r) => r.cost === null)
    expect(expected.length).toBeGreaterThan(0)
    expect(exported.map((r) => r.id).sort()).toEqual(expected.map((r) => r.id).sort())
    expect(exported[0]).toEqual(await ledger.store.getCall(exported[0]!.id))
    const one = records[7]!
    const search = await (await app.request(`/api/export/calls.csv?range=30d&q=${one.id}`)).text()
    expect(search.trimEnd().split('\r\n')).toHaveLength(2)
    const bad = await app.request('/api/export/calls.xlsx?range=30d')
    expect(bad.status).toBe(400)
    expect(await bad.json()).toEqual({
      error:
        'path parameter \'file\': expected calls.csv or calls.ndjson in /api/export/:file, got "calls.xlsx"',
    })
    expect((await app.request('/api/export/calls.csv?limit=5')).status).toBe(400)
  })

  it.skipIf(skip)('hostile names come back as data in JSON and CSV, never as markup', async () => {
    const models = await get<Breakdown>('/api/breakdown?range=30d&by=model')
    expect(models.rows.map((r) => r.model)).toContain(HOSTILE_MODEL)
    const csv = await (await app.request('/api/csv/calls?range=30d')).text()
    const hostileRows = csv.split('\r\n').filter((line) => line.includes(HOSTILE_REQUESTED))
    expect(hostileRows).toHaveLength(3)
    // The tags cell is JSON, so it is quoted with its quotes doubled; the markup stays inert text.
    expect(hostileRows[0]).toContain(`""feature"":""${HOSTILE_TAG}""`)
  })
})

describe('dashboard API: validation', () => {
  let ledger: TestLedger
  let app: ReturnType<typeof createDashboardApp>
  beforeAll(async () => {
    ledger = await createTestLedger('sqlite', records.slice(0, 50))
    app = createDashboardApp({ store: ledger.store, now: () => NOW })
  })
  afterAll(async () => {
    await ledger?.cleanup()
  })

  const cases: [string, string, RegExp][] = [
    [
      '/api/overview?range=yesterday',
      'range',
      /expected one of today, 7d, 30d, 90d, month, last-month, got "yesterday"/,
    ],
    ['/api/overview?from=2026-13-01', 'from', /"2026-13-01" is not a date: month 13 is not 01-12/],
    [
      '/api/overview?from=2026-02-30',
      'from',
      /"2026-02-30" is not a date: February 2026 has 28 days/,
    ],
    ['/api/overview?from=2026-05-01&to=2026-05-02%20junk', 'to', /expected a date YYYY-MM-DD/],
    [
      '/api/overview?from=2026-05-01T10:00:00Z&to=2026-05-01T24:00:00Z',
      'to',
      /hour 24 is not 00-23/,
    ],
    ['/api/overview?from=2026-05-01T10:00', 'from', /needs a zone/],
    ['/api/overview?from=2026-05-03&to=2026-05-01', 'to', /expected an end after 'from'/],
    ['/api/overview?to=2026-05-03', 'to', /needs 'from'/],
    ['/api/overview?range=7d&from=2026-05-01', 'from', /cannot be combined with 'range'/],
    ['/api/overview?from=2000-01-01', 'from', /at most 3660 days/],
    ['/api/overview?provider=a&provider=b', 'provider', /given 2 times; expected once/],
    ['/api/overview?provider=' + 'x'.repeat(201), 'provider', /at most 200 characters/],
    ['/api/overview?model=a%00b', 'model', /without control characters/],
    ['/api/overview?tag=feature', 'tag', /expected key=value/],
    ['/api/overview?tag=a%3D1&tag=a%3D2', 'tag', /given twice with different values/],
    ['/api/overview?status=failed', 'status', /expected one of ok, error, aborted/],
    [
      '/api/overview?bucket=day',
      'bucket',
      /unknown parameter; expected one of range, from, to, provider, model, tag, status$/,
    ],
    ['/api/overview?sinse=2026-05-01', 'sinse', /unknown parameter/],
    ['/api/series?bucket=minute', 'bucket', /expected one of hour, day/],
    [
      '/api/series?range=30d&bucket=hour',
      'bucket',
      /hour buckets need a period of at most 14 days/,
    ],
    ['/api/series?stack=team', 'stack', /expected one of model, provider/],
    ['/api/breakdown?by=user', 'by', /expected one of provider, model, model-provider/],
    ['/api/calls?limit=0', 'limit', /expected a whole number from 1 to 500, got 0/],
    ['/api/calls?limit=501', 'limit', /from 1 to 500/],
    ['/api/calls?limit=ten', 'limit', /got "ten"/],
    ['/api/calls?offset=-1', 'offset', /whole number from 0/],
    ['/api/calls?priced=maybe', 'priced', /expected one of yes, no/],
    ['/api/calls/x?range=7d', 'range', /unknown parameter/],
    ['/api/csv/everything', 'view', /expected one of overview, series, breakdown, calls/],
    ['/api/csv/calls?limit=100000', 'limit', /unknown parameter/],
    [
      '/api/overview?from=2025-01-01&to=2025-12-31&tag=user%3Dalice',
      'tag',
      /expected a period of at most 92 days with a tag filter, this one has 365/,
    ],
    [
      '/api/tags?from=2025-01-01&to=2025-12-31&key=user',
      'key',
      /at most 92 days with the tag view/,
    ],
    ['/api/tags?range=30d', 'key', /expected a tag key, e.g. key=team/],
    ['/api/calls?sort=price', 'sort', /expected one of time, cost, tokens, latency, got "price"/],
    ['/api/calls?order=up', 'order', /expected one of desc, asc/],
    ['/api/calls?q=' + 'x'.repeat(201), 'q', /at most 200 characters/],
    [
      '/api/overview?' + Array.from({ length: 1000 }, (_, i) => `tag=k${i}%3Dv`).join('&'),
      'tag',
      /expected at most 10 tag filters, got 1000/,
    ],
  ]
  it.each(cases)('%s -> 400 naming %s', async (path, parameter, message) => {
    const response = await app.request(path)
    expect(response.status).toBe(400)
    expect(response.headers.get('content-type')).toMatch(/^application\/json/)
    const body = (await response.json()) as { error: string }
    expect(body.error).toMatch(new RegExp(`^(query|path) parameter '${parameter}': `))
    expect(body.error).toMatch(message)
  })

  it('pages answer a bad parameter with an escaped HTML 400', async () => {
    const response = await app.request('/?range=%3Cscript%3Ealert(1)%3C/script%3E')
    expect(response.status).toBe(400)
    const html = await response.text()
    expect(html).toContain(
      'query parameter &#39;range&#39;: expected one of today, 7d, 30d, 90d, month, last-month, got &quot;&lt;script&gt;alert(1)&lt;/script&gt;&quot;',
    )
    expect(html).not.toContain('<script>alert(1)')
  })

  it('empty form fields count as unset', async () => {
    const response = await app.request('/api/overview?range=7d&from=&to=&provider=&tag=')
    expect(response.status).toBe(200)
  })

  it('unknown routes are 404 JSON under /api', async () => {
    const response = await app.request('/api/nothing')
    expect(response.status).toBe(404)
    expect(await response.json()).toEqual({ error: 'no route GET /api/nothing' })
  })

  it('checks its options at construction', () => {
    expect(() => createDashboardApp({ store: {} as never })).toThrow(
      /option store: expected a LedgerStore/,
    )
    expect(() => createDashboardApp({ store: ledger.store, token: 'short' })).toThrow(
      /option token: expected at least 8 characters/,
    )
    expect(() => createDashboardApp({ store: ledger.store, token: 'has a space' })).toThrow(
      /without spaces/,
    )
    expect(() => createDashboardApp({ store: ledger.store, now: 5 as never })).toThrow(/option now/)
  })

  it('sends security headers and no-store on data', async () => {
    const response = await app.request('/api/overview')
    expect(response.headers.get('content-security-policy')).toContain("script-src 'self'")
    expect(response.headers.get('x-content-type-options')).toBe('nosniff')
    expect(response.headers.get('cache-control')).toBe('no-store')
  })
})

/** Splits one RFC 4180 line. */
function parseCsvLine(line: string): string[] {
  const cells: string[] = []
  let at = 0
  while (at <= line.length) {
    if (line[at] === '"') {
      let value = ''
      at++
      for (;;) {
        const quote = line.indexOf('"', at)
        value += line.slice(at, quote)
        at = quote + 1
        if (line[at] === '"') {
          value += '"'
          at++
        } else break
      }
      cells.push(value)
      at++ // the comma
    } else {
      const comma = line.indexOf(',', at)
      const end = comma === -1 ? line.length : comma
      cells.push(line.slice(at, end))
      at = end + 1
    }
  }
  return cells
}
