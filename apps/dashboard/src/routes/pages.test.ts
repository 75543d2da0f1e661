/**
 * The server-rendered pages: what they show, that the view lives in the URL, and that every value
 * from the ledger is escaped (hostile model names and tags render as text).
 */
import { picoFromUsd } from '@tokenledger/pricing'
import { openStore, saveBudgetDefinitions } from '@tokenledger/store'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createTestLedger, type TestLedger } from '../__fixtures__/test-ledger.js'
import {
  HOSTILE_MODEL,
  HOSTILE_REQUESTED,
  HOSTILE_TAG,
  NOW,
  expectedTotals,
  groupBy,
  modelOf,
  testRecords,
} from '../__fixtures__/reference.js'
import { createDashboardApp } from '../app.js'
import { facetColors } from './pages.js'
import { formatCount, formatUsd } from '../format.js'

const records = testRecords()
const escape = (text: string) =>
  text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;')

describe('dashboard pages', () => {
  let ledger: TestLedger
  let app: ReturnType<typeof createDashboardApp>
  const page = async (path: string, status = 200) => {
    const response = await app.request(path)
    expect(response.status).toBe(status)
    expect(response.headers.get('content-type')).toBe('text/html; charset=UTF-8')
    return response.text()
  }
  beforeAll(async () => {
    ledger = await createTestLedger('sqlite', records)
    app = createDashboardApp({ store: ledger.store, now: () => NOW })
  })
  afterAll(async () => {
    await ledger?.cleanup()
  })

  it('the overview shows the cards, charts, table and latest calls of the view', async () => {
    const html = await page('/?range=30d')
    const totals = expectedTotals(records)
    expect(html.startsWith('<!DOCTYPE html><html lang="en">')).toBe(true)
    expect(html).toContain(
      `<p class="card-value" title="$${totals.spend} (exact): computed cost plus what providers reported for calls we could not price">${formatUsd(totals.spend!)}</p>`,
    )
    expect(html).toContain(
      `computed ${formatUsd(totals.cost!)} on ${formatCount(totals.pricedCalls)} priced calls`,
    )
    expect(html).toContain(`<p class="card-value">${formatCount(totals.calls)}</p>`)
    expect(html).toContain(`<p class="card-value">${formatCount(totals.unpricedCalls)}</p>`)
    expect(html).toContain('href="/calls?range=30d&amp;priced=no"')
    expect(html).toContain('2026-04-13 → 2026-05-12 (UTC days)')
    for (const id of ['spend-chart', 'provider-chart', 'model-chart'])
      expect(html).toContain(`<canvas id="${id}"`)
    expect(html).toContain('<script src="/static/chart.umd.js" defer="">')
    expect(html).not.toMatch(/https?:\/\/(?!www\.w3\.org)/) // no CDN, no outside URL
    expect(html.match(/<tr data-href="\/calls\//g)).toHaveLength(15)
    // The client's data: API addresses of this view, with the filters.
    const data = /<script type="application\/json" id="dashboard-data">(.*?)<\/script>/s.exec(
      html,
    )![1]!
    expect(JSON.parse(data)).toEqual({
      page: 'overview',
      api: {
        series: '/api/series?range=30d&bucket=day&stack=model',
        providers: '/api/breakdown?range=30d&by=provider',
        models: '/api/breakdown?range=30d&by=model',
      },
      bucket: 'day',
      stack: 'model',
      refresh: null,
      // One colour per model and per provider, from the server, for every chart of the page.
      colors: facetColors({
        models: [...new Set(records.map(modelOf))],
        providers: [...new Set(records.map((r) => r.provider))],
      }),
    })
  })

  it('keeps filters in the URL: selected options, links, toggles', async () => {
    const html = await page('/?range=7d&provider=openrouter&tag=user%3Dalice&stack=provider')
    expect(html).toContain('<option value="openrouter" selected="">openrouter</option>')
    expect(html).toContain('<option value="7d" selected="">7 days</option>')
    expect(html).toContain('<input type="hidden" name="tag" value="user=alice"/>')
    expect(html).toContain('<input type="hidden" name="stack" value="provider"/>')
    // "By model" switches the stacking back and keeps every filter.
    expect(html).toContain(
      'href="/?range=7d&amp;provider=openrouter&amp;tag=user%3Dalice" data-testid="stack-model"',
    )
    expect(html).toContain(
      '"series":"/api/series?range=7d\\u0026provider=openrouter\\u0026tag=user%3Dalice\\u0026bucket=day\\u0026stack=provider"',
    )
    // Other providers stay selectable while one is chosen.
    expect(html).toContain('<option value="deepseek">deepseek</option>')
  })

  it('renders hostile model names and tags as text, everywhere', async () => {
    for (const path of [
      '/?range=30d',
      `/calls?range=30d&model=${encodeURIComponent(HOSTILE_MODEL)}`,
    ]) {
      const html = await page(path)
      expect(html).toContain(escape(HOSTILE_MODEL))
      expect(html).not.toContain(HOSTILE_MODEL)
      expect(html).not.toContain(HOSTILE_REQUESTED)
      expect(html).not.toContain('onerror="window')
      expect(html.match(/<script/g)).toHaveLength(3) // chart.js, the client, the JSON data
    }
    const calls = await page(`/calls?range=30d&model=${encodeURIComponent(HOSTILE_MODEL)}`)
    expect(calls).toContain(escape(HOSTILE_REQUESTED))
    expect(calls).toContain(escape(HOSTILE_TAG))
    const hostile = records.find((r) => r.model === HOSTILE_MODEL)!
    const one = await page(`/calls/${hostile.id}`)
    expect(one).toContain(
      `<h1 class="call-title">${escape(HOSTILE_REQUESTED)} <span class="muted">on</span> deepseek</h1>`,
    )
    expect(one).not.toContain(HOSTILE_REQUESTED)
  })

  it('the calls page pages through the view and filters unpriced calls', async () => {
    const html = await page('/calls?range=30d&limit=100&offset=100')
    expect(html).toContain(`101–200 of ${formatCount(records.length)}`)
    expect(html).toContain('href="/calls?range=30d&amp;limit=100" rel="prev"')
    expect(html).toContain('href="/calls?range=30d&amp;limit=100&amp;offset=200" rel="next"')
    expect(html.match(/<tr data-href=/g)).toHaveLength(100)
    const unpriced = await page('/calls?range=30d&priced=no&limit=500')
    const count = records.filter((r) => r.cost === null).length
    expect(unpriced).toContain(`1–${count} of ${count}`)
    expect(unpriced.match(/<span class="muted">unpriced<\/span>/g)).toHaveLength(count)
  })

  it('one call shows every field of the record', async () => {
    const call = records.find(
      (r) => r.reportedCost !== null && r.cost !== null && r.usage.cacheReadTokens > 0,
    )!
    const html = await page(`/calls/${call.id}`)
    for (const value of [
      call.id,
      call.timestamp,
      call.provider,
      call.requestedModel,
      call.card!,
      call.endpoint,
      call.requestId!,
      `$${call.cost}`,
      `$${call.reportedCost}`,
      `$${call.cacheSavings}`,
    ]) {
      expect(html, value).toContain(escape(value))
    }
    expect(html).toContain(formatCount(call.usage.inputTokens))
    for (const [key, value] of Object.entries(call.tags))
      expect(html).toContain(`<span class="tag">${escape(`${key}=${value}`)}</span>`)
    expect(await page('/calls/no-such-call', 404)).toContain('<h1>Not found</h1>')
  })

  it('a bad filter is shown beside its field, and the rest of the page still shows', async () => {
    const html = await page('/?range=30d&provider=' + 'x'.repeat(201) + '&bucket=minute', 400)
    expect(html).toContain('data-testid="problem-provider"')
    expect(html).toContain(
      'query parameter &#39;provider&#39;: expected a provider id of at most 200 characters',
    )
    expect(html).toContain('data-testid="problem-other"')
    expect(html).toContain('query parameter &#39;bucket&#39;: expected one of hour, day')
    // The cards and charts of the view without the bad filter are there.
    expect(html).toContain(`title="$${expectedTotals(records).spend} (exact): computed cost`)
    expect(html).toContain('<canvas id="spend-chart"')
    const tags = await page('/tags?key=user&tag=broken', 400)
    expect(tags).toContain('data-testid="problem-tag"')
    expect(tags).toContain('data-testid="tag-table"')
  })

  it('the tag view breaks spend down by the values of the chosen key', async () => {
    const html = await page('/tags?range=30d&key=user')
    const users = groupBy(records, (r) => r.tags['user'] ?? null)
    for (const [user, calls] of users) {
      const cost = expectedTotals(calls).cost
      if (user !== null) expect(html).toContain(`>${escape(user)}</a>`)
      expect(html).toContain(`title="$${cost}" data-value="${cost}"`)
    }
    // Every key of the ledger can be picked.
    for (const key of ['user', 'feature', 'env']) expect(html).toContain(`>${key}</a>`)
    expect(html).toContain('"tags":"/api/tags?range=30d\\u0026bucket=day\\u0026key=user"')
    // Calls without the tag are one group, named as such.
    const env = await page('/tags?range=30d&key=env')
    expect(env).toContain('(no tag)')
    expect(await page('/tags?range=30d')).toContain('Pick a tag key')
  })

  it('the calls page sorts, searches and exports the whole view', async () => {
    const byCost = await page('/calls?range=30d&sort=cost&limit=5')
    const dearest = [...records]
      .filter((r) => r.cost !== null)
      .sort((a, b) => (picoFromUsd(b.cost!) > picoFromUsd(a.cost!) ? 1 : -1))[0]!
    expect(byCost.indexOf(`/calls/${dearest.id}`)).toBeGreaterThan(0)
    expect(byCost).toContain('aria-sort="descending"')
    expect(byCost).toContain('href="/calls?range=30d&amp;limit=5&amp;sort=cost&amp;order=asc"')
    const one = records[123]!
    const found = await page(`/calls?range=30d&q=${one.id}`)
    expect(found.match(/<tr data-href=/g)).toHaveLength(1)
    expect(found).toContain(`1–1 of 1 call<`)
    expect(found).toContain(`href="/api/export/calls.csv?range=30d&amp;q=${one.id}"`)
  })

  it('an empty ledger says how to meter a first call', async () => {
    const empty = await createTestLedger('sqlite', [])
    try {
      const emptyApp = createDashboardApp({ store: empty.store, now: () => NOW })
      const html = await (await emptyApp.request('/')).text()
      expect(html).toContain('data-testid="empty-state"')
      expect(html).toContain('createMeter({ store: &#39;sqlite:./tokenledger.db&#39; })')
      expect(html).not.toContain('data-testid="empty-state"'.repeat(2))
      expect(await page('/?range=30d')).not.toContain('data-testid="empty-state"')
    } finally {
      await empty.cleanup()
    }
  })

  it('the budgets panel lists each declared budget, at risk first, with exact figures', async () => {
    const writer = await openStore(ledger.url)
    try {
      await saveBudgetDefinitions(writer, [
        {
          id: 'all-month',
          definition: JSON.stringify({
            id: 'all-month',
            scope: {},
            limit: '100000',
            period: 'month',
            action: 'block',
          }),
        },
        {
          id: 'deepseek-small',
          definition: JSON.stringify({
            id: 'deepseek-small',
            scope: { provider: 'deepseek' },
            limit: '0.50',
            period: 'month',
            action: 'warn',
          }),
        },
      ])
    } finally {
      await writer.close()
    }
    const html = await page('/?range=30d')
    expect(html).toContain('data-testid="budgets"')
    // At risk first: the small budget, whose spend passed its limit.
    expect(html.indexOf('data-budget="deepseek-small"')).toBeLessThan(
      html.indexOf('data-budget="all-month"'),
    )
    const sinceMay = records.filter((r) => r.timestamp >= '2026-05-01')
    const deepseek = expectedTotals(sinceMay.filter((r) => r.provider === 'deepseek')).cost
    expect(html).toContain(`title="$${deepseek}" data-value="${deepseek}"`)
    const all = expectedTotals(sinceMay).cost
    expect(html).toContain(`title="$${all}" data-value="${all}"`)
    expect(html).toContain('<tr class="at-risk" data-budget="deepseek-small">')
    const api = (await (await app.request('/api/budgets')).json()) as {
      budgets: { id: string; spent: string; resetsAt: string }[]
    }
    expect(api.budgets.map((b) => [b.id, b.spent, b.resetsAt])).toEqual([
      ['deepseek-small', deepseek, '2026-06-01T00:00:00.000Z'],
      ['all-month', all, '2026-06-01T00:00:00.000Z'],
    ])
  })

  it('a ledger whose budgets cannot be read still shows its spend, and says why', async () => {
    const writer = await openStore(ledger.url)
    await writer.db.schema.dropTable('budget_definitions').execute()
    await writer.close()
    const html = await page('/?range=30d')
    expect(html).toContain('The budgets could not be read:')
    expect(html).toContain(`title="$${expectedTotals(records).cost} (exact)`)
  })

  it('serves chart.js, the client script and the stylesheet from this package', async () => {
    const chart = await app.request('/static/chart.umd.js')
    expect(chart.status).toBe(200)
    expect(chart.headers.get('content-type')).toBe('text/javascript; charset=utf-8')
    const source = await chart.text()
    expect(source).toContain('Chart.js v4.6.1')
    expect(source).not.toContain('sourceMappingURL')
    const client = await app.request('/static/dashboard.js')
    expect(await client.text()).toContain(
      "document.body.setAttribute('data-dashboard-ready', 'true')",
    )
    expect((await app.request('/static/dashboard.css')).headers.get('content-type')).toBe(
      'text/css; charset=utf-8',
    )
    expect((await app.request('/static/favicon.svg')).status).toBe(200)
    for (const missing of [
      '/static/constructor',
      '/static/__proto__',
      '/static/..%2Fpackage.json',
      '/static/chart.js',
    ]) {
      expect((await app.request(missing)).status, missing).toBe(404)
    }
  })
})
