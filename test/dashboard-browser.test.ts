/**
 * The dashboard in real Chromium (Debian's /usr/bin/chromium driven by playwright-core; nothing is
 * downloaded): a demo ledger plus hostile names, served by the real server. The page must load
 * without console errors, draw one spend dataset per model summing exactly to the API's total,
 * follow a provider filter into the URL, download a CSV equal to the table, and show a hostile
 * model name as text. A screenshot of the overview lands in test-output/.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { generateDemoLedger, startDashboard } from '@tokenledger/dashboard'
import { picoFromUsd, usdFromPico } from '@tokenledger/pricing'
import { openStore } from '@tokenledger/store'
import { createRecordFactory } from '@tokenledger/store/testing'
import { chromium, type BrowserContext, type Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

const CHROMIUM = '/usr/bin/chromium'
const OUTPUT = fileURLToPath(new URL('../test-output/', import.meta.url))
const HOSTILE_MODEL = '<img src=x onerror="window.__pwned=1">'
const HOSTILE_REQUESTED = '</script><script>window.__pwned=2</script>'
// Two shared cores: be generous, and wait for the page's own "charts drawn" signal, never a sleep.
const READY = { timeout: 60_000 }

interface ChartDataset {
  label: string
  key: string | null
  exact: (string | null)[]
  data: (number | null)[]
}

describe('dashboard in Chromium', () => {
  let dir: string
  let dashboard: Awaited<ReturnType<typeof startDashboard>>
  let context: BrowserContext
  let page: Page
  const consoleErrors: string[] = []
  const api = async <T>(path: string): Promise<T> =>
    (await (await fetch(new URL(path, dashboard.url))).json()) as T

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'tokenledger-browser-'))
    const db = `sqlite:${join(dir, 'ledger.db')}`
    const store = await openStore(db)
    await generateDemoLedger({ store, days: 30, callsPerDay: 250, seed: 7 })
    await store.insert(
      createRecordFactory({ seed: 99, start: new Date(Date.now() - 60_000), stepMs: 10_000 }).batch(
        3,
        {
          provider: 'deepseek',
          requestedModel: HOSTILE_REQUESTED,
          model: HOSTILE_MODEL,
          status: 'ok',
        },
      ),
    )
    await store.close()
    dashboard = await startDashboard({ db, port: 0 })
    context = await chromium.launchPersistentContext(join(dir, 'profile'), {
      executablePath: CHROMIUM,
      headless: true,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-quic',
        '--no-first-run',
        '--disable-component-update',
        '--disable-sync',
      ],
      viewport: { width: 1440, height: 900 },
      acceptDownloads: true,
      timezoneId: 'America/New_York',
    })
    page = context.pages()[0] ?? (await context.newPage())
    page.setDefaultTimeout(60_000)
    page.on('console', (message) => {
      if (message.type() === 'error') consoleErrors.push(message.text())
    })
    page.on('pageerror', (error) => consoleErrors.push(error.message))
  })

  afterAll(async () => {
    await context?.close()
    await dashboard?.close()
    rmSync(dir, { recursive: true, force: true })
  })

  const datasets = () =>
    page.evaluate(() => {
      const chart = (
        window as unknown as {
          __dashboard: { charts: { spend: { data: { datasets: ChartDataset[] } } } }
        }
      ).__dashboard.charts.spend
      return chart.data.datasets.map((d) => ({
        label: d.label,
        key: d.key,
        exact: d.exact,
        data: d.data,
      }))
    })
  // An unpriced bucket's exact value is null (unknown, never $0): it adds nothing to the total.
  const sum = (sets: { exact: (string | null)[] }[]) =>
    usdFromPico(
      sets
        .flatMap((d) => d.exact)
        .reduce((total, usd) => total + (usd === null ? 0n : picoFromUsd(usd)), 0n),
    )

  it('loads without console errors and draws one dataset per model, summing to the API total', async () => {
    await page.goto(dashboard.url)
    await page.waitForSelector('body[data-dashboard-ready="true"]', READY)
    const sets = await datasets()
    const overview = await api<{ cost: string }>('/api/overview')
    const models = await api<{ rows: { model: string | null }[] }>('/api/breakdown?by=model')
    expect(sets.map((d) => d.key).sort()).toEqual(models.rows.map((r) => r.model).sort())
    expect(new Set(sets.map((d) => d.label)).size).toBe(sets.length)
    expect(sum(sets)).toBe(overview.cost)
    // A model with no priced call is named by its id and marked, its bars left empty (items 11, 12).
    const unpriced = sets.filter((d) => d.exact.every((usd) => usd === null || usd === '0'))
    expect(unpriced.length).toBeGreaterThan(0)
    for (const d of unpriced) {
      expect(d.key).not.toBeNull()
      expect(d.label).toBe(`${d.key} (unpriced)`)
      d.exact.forEach((usd, i) => {
        if (usd === null) expect(d.data[i]).toBeNull()
      })
    }
    // The spend-by-model bars: an unpriced model's axis label says so.
    const ticks = await page.evaluate(() => {
      const chart = (
        window as unknown as {
          __dashboard: { charts: { models: { scales: { y: { ticks: { label: string }[] } } } } }
        }
      ).__dashboard.charts.models
      return chart.scales.y.ticks.map((tick) => tick.label)
    })
    for (const d of unpriced) expect(ticks).toContain(`${d.key} (unpriced)`)
    const spend = await api<{ spend: string }>('/api/overview')
    expect(await page.getByTestId('card-spend').locator('.card-value').getAttribute('title')).toBe(
      `$${spend.spend} (exact): computed cost plus what providers reported for calls we could not price`,
    )
    // Times are shown in the browser's zone (New York here), not the server's.
    const shown = await page.locator('table.calls time').first().textContent()
    const iso = await page.locator('table.calls time').first().getAttribute('datetime')
    expect(shown).toBe(newYorkTime(iso!))
    mkdirSync(OUTPUT, { recursive: true })
    await page.screenshot({ path: join(OUTPUT, 'dashboard-overview.png'), fullPage: true })
    expect(consoleErrors).toEqual([])
  })

  it('changing the provider filter updates the chart and the URL', async () => {
    await page.getByTestId('provider-filter').selectOption('openrouter')
    await page.waitForURL(/[?&]provider=openrouter(&|$)/, READY)
    await page.waitForSelector('body[data-dashboard-ready="true"]', READY)
    expect(new URL(page.url()).searchParams.get('provider')).toBe('openrouter')
    expect(new URL(page.url()).searchParams.get('range')).toBe('30d')
    const sets = await datasets()
    const overview = await api<{ cost: string }>('/api/overview?provider=openrouter')
    const models = await api<{ rows: { model: string | null }[] }>(
      '/api/breakdown?by=model&provider=openrouter',
    )
    expect(sets.map((d) => d.key).sort()).toEqual(models.rows.map((r) => r.model).sort())
    expect(sum(sets)).toBe(overview.cost)
    expect(sets.length).toBeLessThan(
      (await api<{ rows: unknown[] }>('/api/breakdown?by=model')).rows.length,
    )
    // Stacking by provider is a link that keeps the filter.
    await page.getByTestId('stack-provider').click()
    await page.waitForURL(/stack=provider/, READY)
    await page.waitForSelector('body[data-dashboard-ready="true"]', READY)
    expect((await datasets()).map((d) => d.label)).toEqual(['openrouter'])
    expect(consoleErrors).toEqual([])
  })

  it('the CSV download matches the model x provider table', async () => {
    await page.goto(`${dashboard.url}?range=30d`)
    await page.waitForSelector('body[data-dashboard-ready="true"]', READY)
    const table = await page.$$eval('#model-provider-table tbody tr', (rows) =>
      rows.map((row) => {
        const cells = [...row.querySelectorAll('td')]
        return {
          model: cells[0]!.textContent!,
          provider: cells[1]!.textContent!,
          calls: cells[2]!.dataset['value']!,
          cost: cells[8]!.dataset['value']!,
        }
      }),
    )
    expect(table.length).toBeGreaterThan(5)
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByTestId('table-csv').click(),
    ])
    const csv = readFileSync((await download.path())!, 'utf8')
      .trimEnd()
      .split('\r\n')
    const header = csv[0]!.split(',')
    const rows = csv.slice(1).map((line) => parseCsvLine(line))
    expect(
      rows.map((cells) => ({
        model: cells[header.indexOf('model')]! || '(unknown)',
        provider: cells[header.indexOf('provider')]!,
        calls: cells[header.indexOf('calls')]!,
        cost: cells[header.indexOf('cost_usd')]!,
      })),
    ).toEqual(table)
    expect(download.suggestedFilename()).toMatch(
      /^tokenledger-by-model-provider-\d{4}-\d{2}-\d{2}-to-\d{4}-\d{2}-\d{2}\.csv$/,
    )
  })

  it('renders a hostile model name as text', async () => {
    const cell = page.locator('#model-provider-table td', { hasText: 'onerror' })
    expect(await cell.first().textContent()).toBe(HOSTILE_MODEL)
    // The calls list shows the canonical model, with the requested one in its title.
    const hostileCell = page.locator('table.calls td.model-cell', { hasText: 'onerror' }).first()
    expect(await hostileCell.textContent()).toBe(HOSTILE_MODEL)
    expect(await hostileCell.getAttribute('title')).toBe(HOSTILE_REQUESTED)
    expect(
      await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned),
    ).toBeUndefined()
    expect(await page.locator('img').count()).toBe(0)
    const labels = (await datasets()).map((d) => d.label)
    expect(labels).toContain(HOSTILE_MODEL)
    expect(consoleErrors).toEqual([])
  })
})

/** Splits one RFC 4180 line. */
function parseCsvLine(line: string): string[] {
  const cells: string[] = []
  let cell = ''
  let quoted = false
  for (let i = 0; i < line.length; i++) {
    const char = line[i]!
    if (quoted) {
      if (char === '"' && line[i + 1] === '"') {
        cell += '"'
        i++
      } else if (char === '"') quoted = false
      else cell += char
    } else if (char === '"') quoted = true
    else if (char === ',') {
      cells.push(cell)
      cell = ''
    } else cell += char
  }
  cells.push(cell)
  return cells
}

/**
 * How en-US writes an instant on a New York clock, worked out by hand (not with Intl, which the
 * page uses): EDT (UTC-4) from 2026-03-08 07:00 UTC to 2026-11-01 06:00 UTC, EST (UTC-5) otherwise;
 * "Nov 3, 2026, 09:05:07 PM".
 */
function newYorkTime(iso: string): string {
  const ms = Date.parse(iso)
  const edt = ms >= Date.parse('2026-03-08T07:00:00Z') && ms < Date.parse('2026-11-01T06:00:00Z')
  if (!iso.startsWith('2026-')) throw new Error(`newYorkTime: only 2026 is worked out, got ${iso}`)
  const local = new Date(ms - (edt ? 4 : 5) * 3_600_000)
  const months = [
    'Jan',
    'Feb',
    'Mar',
    'Apr',
    'May',
    'Jun',
    'Jul',
    'Aug',
    'Sep',
    'Oct',
    'Nov',
    'Dec',
  ]
  const two = (n: number) => String(n).padStart(2, '0')
  const hour = local.getUTCHours()
  const clock = `${two(hour % 12 === 0 ? 12 : hour % 12)}:${two(local.getUTCMinutes())}:${two(local.getUTCSeconds())} ${hour < 12 ? 'AM' : 'PM'}`
  return `${months[local.getUTCMonth()]} ${local.getUTCDate()}, ${local.getUTCFullYear()}, ${clock}`
}
