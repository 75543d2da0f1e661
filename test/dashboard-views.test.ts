/**
 * Every page of the dashboard in real Chromium (Debian's /usr/bin/chromium via playwright-core),
 * at 1400x900 and on a 390x844 phone, light and dark, over a real SQLite ledger served by the real
 * server: screenshots land in test-output/, the cost column is on screen at 1400 px, nothing
 * scrolls sideways on a phone, a model has one colour in every chart, axe-core finds no serious
 * or critical violation, and the calls export of a 200,000-call view holds every call and the
 * exact total.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { generateDemoLedger, startDashboard } from '@tokenledger/dashboard'
import { picoFromUsd, usdFromPico } from '@tokenledger/pricing'
import { openStore, saveBudgetDefinitions, type CallRecord } from '@tokenledger/store'
import { createRecordFactory } from '@tokenledger/store/testing'
import { chromium, type BrowserContext, type Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

const CHROMIUM = '/usr/bin/chromium'
const OUTPUT = fileURLToPath(new URL('../test-output/', import.meta.url))
const AXE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8')
const READY = { timeout: 120_000 }
const VIEWPORTS = [
  { name: 'desktop', width: 1400, height: 900 },
  { name: 'phone', width: 390, height: 844 },
] as const
const THEMES = ['light', 'dark'] as const
/** The bulk period: 200,000 calls, alone in its two days. */
const BULK_FROM = '2026-01-10'
const BULK_TO = '2026-01-11'
const BULK_CALLS = 200_000

interface AxeResult {
  violations: { id: string; impact: string | null; nodes: { target: string[] }[] }[]
}

describe('dashboard pages in Chromium, every size and theme', () => {
  let dir: string
  let dashboard: Awaited<ReturnType<typeof startDashboard>>
  let context: BrowserContext
  let page: Page
  let callId = ''
  let bulk: CallRecord[] = []
  const consoleErrors: string[] = []

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'tokenledger-views-'))
    const db = `sqlite:${join(dir, 'ledger.db')}`
    const store = await openStore(db)
    await generateDemoLedger({ store, days: 30, callsPerDay: 200, seed: 17 })
    bulk = createRecordFactory({
      seed: 5,
      start: `${BULK_FROM}T00:00:00.000Z`,
      stepMs: 800, // 200,000 calls in 44.4 hours: inside the two bulk days
    }).batch(BULK_CALLS)
    for (let i = 0; i < bulk.length; i += 20_000) await store.insert(bulk.slice(i, i + 20_000))
    callId = (await store.listCalls({ limit: 1, offset: 0 })).rows[0]!.id
    // Two budgets, so the overview shows its budgets panel (one of them at risk).
    await saveBudgetDefinitions(
      store,
      [
        { id: 'team-month', scope: {}, limit: '100000', period: 'month', action: 'block' },
        {
          id: 'deepseek-day',
          scope: { provider: 'deepseek' },
          limit: '0.01',
          period: 'day',
          action: 'warn',
        },
      ].map((definition) => ({ id: definition.id, definition: JSON.stringify(definition) })),
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
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
      ],
      viewport: { width: 1400, height: 900 },
      acceptDownloads: true,
      timezoneId: 'UTC',
    })
    page = context.pages()[0] ?? (await context.newPage())
    page.setDefaultTimeout(120_000)
    page.on('console', (message) => {
      if (message.type() === 'error') consoleErrors.push(message.text())
    })
    page.on('pageerror', (error) => consoleErrors.push(error.message))
    mkdirSync(OUTPUT, { recursive: true })
  }, 300_000)

  afterAll(async () => {
    await context?.close()
    await dashboard?.close()
    if (dir) rmSync(dir, { recursive: true, force: true })
  })

  const pages = () => [
    { name: 'overview', path: '/?range=30d' },
    { name: 'calls', path: '/calls?range=30d' },
    { name: 'tags', path: '/tags?range=30d&key=feature' },
    { name: 'call', path: `/calls/${callId}` },
  ]

  async function open(path: string): Promise<void> {
    await page.goto(new URL(path, dashboard.url).toString())
    await page.waitForSelector('body[data-dashboard-ready="true"]', READY)
  }

  it('renders every page at both sizes in both themes: screenshots, no sideways scroll, axe clean', async () => {
    const problems: string[] = []
    for (const theme of THEMES) {
      await page.emulateMedia({ colorScheme: theme })
      for (const viewport of VIEWPORTS) {
        await page.setViewportSize({ width: viewport.width, height: viewport.height })
        for (const { name, path } of pages()) {
          await open(path)
          const where = `${name} ${viewport.name} ${theme}`
          // The theme follows the system: the page background differs between the two.
          const background = await page.evaluate(
            () => getComputedStyle(document.body).backgroundColor,
          )
          expect(background, where).toBe(
            theme === 'dark' ? 'rgb(11, 17, 32)' : 'rgb(244, 246, 250)',
          )
          if (name === 'overview') {
            // Charts take their text colour from the theme too (--ink-2, light or dark).
            const chartInk = await page.evaluate(
              () =>
                (window as unknown as { Chart: { defaults: { color: string } } }).Chart.defaults
                  .color,
            )
            expect(chartInk, where).toBe(
              theme === 'dark' ? 'rgb(203, 213, 225)' : 'rgb(71, 85, 105)',
            )
          }
          const widths = await page.evaluate(() => ({
            scroll: document.documentElement.scrollWidth,
            client: document.documentElement.clientWidth,
          }))
          if (widths.scroll > widths.client)
            problems.push(`${where}: page scrolls sideways (${widths.scroll} > ${widths.client})`)
          await page.screenshot({
            path: join(OUTPUT, `dashboard-${name}-${viewport.name}-${theme}.png`),
            fullPage: true,
          })
          await page.evaluate(AXE)
          const result = await page.evaluate(async () => {
            const axe = (window as unknown as { axe: { run: (o: unknown) => Promise<unknown> } })
              .axe
            return (await axe.run({ resultTypes: ['violations'] })) as AxeResult
          })
          for (const v of result.violations) {
            if (v.impact === 'serious' || v.impact === 'critical')
              problems.push(
                `${where}: axe ${v.impact} ${v.id} at ${v.nodes
                  .slice(0, 3)
                  .map((n) => n.target.join(' '))
                  .join(', ')}`,
              )
          }
        }
      }
    }
    expect(problems).toEqual([])
    expect(consoleErrors).toEqual([])
  }, 600_000)

  it('shows cost in the calls list at 1400 px without scrolling', async () => {
    await page.emulateMedia({ colorScheme: 'light' })
    await page.setViewportSize({ width: 1400, height: 900 })
    await open('/calls?range=30d')
    const box = await page.locator('table.calls thead th', { hasText: 'Cost' }).boundingBox()
    expect(box).not.toBeNull()
    expect(box!.x + box!.width).toBeLessThanOrEqual(1400)
    const cell = page.locator('table.calls tbody tr').first().locator('td[data-label="Cost"]')
    expect(await cell.isVisible()).toBe(true)
    const cellBox = await cell.boundingBox()
    expect(cellBox!.x + cellBox!.width).toBeLessThanOrEqual(1400)
    const wrap = await page.evaluate(() => {
      const node = document.querySelector('.table-wrap')!
      return { scroll: node.scrollWidth, client: node.clientWidth }
    })
    expect(wrap.scroll).toBeLessThanOrEqual(wrap.client)
    // On a phone each call is a card whose fields are labelled.
    await page.setViewportSize({ width: 390, height: 844 })
    await open('/calls?range=30d')
    const label = await page
      .locator('table.calls tbody tr')
      .first()
      .locator('td[data-label="Cost"]')
      .evaluate((td) => getComputedStyle(td, '::before').content)
    expect(label).toBe('"Cost"')
  })

  it('gives a model one colour in every chart, and a provider too', async () => {
    await page.setViewportSize({ width: 1400, height: 900 })
    type Charts = Record<
      string,
      { data: { labels: string[]; datasets: { key?: string; backgroundColor: unknown }[] } }
    >
    const colours = async () =>
      page.evaluate(() => {
        const charts = (window as unknown as { __dashboard: { charts: Charts } }).__dashboard.charts
        const stacked: Record<string, string> = {}
        // Calls without a model name share the grey of "unknown"; named keys are compared.
        for (const d of charts['spend']!.data.datasets)
          if (d.key !== null) stacked[String(d.key)] = String(d.backgroundColor)
        const bars = (chart: Charts[string]) =>
          Object.fromEntries(
            chart.data.labels.map((label, i) => [
              label,
              String((chart.data.datasets[0]!.backgroundColor as string[])[i]),
            ]),
          )
        return { stacked, models: bars(charts['models']!), providers: bars(charts['providers']!) }
      })
    await open('/?range=30d')
    const byModel = await colours()
    expect(Object.keys(byModel.stacked).length).toBeGreaterThan(2)
    for (const [model, colour] of Object.entries(byModel.stacked))
      expect(byModel.models[model], model).toBe(colour)
    await open('/?range=30d&stack=provider')
    const byProvider = await colours()
    for (const [provider, colour] of Object.entries(byProvider.stacked))
      expect(byProvider.providers[provider], provider).toBe(colour)
    // Another page, another period, another filter: the same model keeps its colour.
    const someModel = Object.keys(byModel.stacked)[0]!
    await open(`/?range=7d&model=${encodeURIComponent(someModel)}`)
    expect((await colours()).stacked[someModel]).toBe(byModel.stacked[someModel])
    // And the table's swatch shows it too.
    await open('/?range=30d')
    const swatch = await page
      .locator('#model-provider-table tr', { hasText: someModel })
      .first()
      .locator('.swatch')
      .getAttribute('data-color')
    expect(swatch).toBe(byModel.stacked[someModel])
  })

  it('the dark-mode toggle is remembered across pages', async () => {
    await page.emulateMedia({ colorScheme: 'light' })
    await open('/?range=30d')
    const toggle = page.getByTestId('theme-toggle')
    expect(await toggle.textContent()).toBe('Theme: system')
    await Promise.all([page.waitForEvent('load'), toggle.click()]) // -> light
    await page.waitForSelector('body[data-dashboard-ready="true"]', READY)
    await Promise.all([page.waitForEvent('load'), page.getByTestId('theme-toggle').click()]) // -> dark
    await page.waitForSelector('body[data-dashboard-ready="true"]', READY)
    await open('/calls?range=30d')
    expect(await page.evaluate(() => document.documentElement.dataset['theme'])).toBe('dark')
    expect(await page.evaluate(() => getComputedStyle(document.body).backgroundColor)).toBe(
      'rgb(11, 17, 32)',
    )
    expect(await page.getByTestId('theme-toggle').textContent()).toBe('Theme: dark')
    await page.evaluate(() => localStorage.removeItem('tokenledger-theme'))
  })

  it('exports all 200,000 calls of a view as CSV, with the exact total', async () => {
    await open(`/calls?from=${BULK_FROM}&to=${BULK_TO}`)
    expect(await page.getByTestId('calls-range').textContent()).toBe('1–50 of 200,000 calls')
    const [download] = await Promise.all([
      page.waitForEvent('download', { timeout: 300_000 }),
      page.getByTestId('export-csv').click(),
    ])
    expect(download.suggestedFilename()).toBe(`tokenledger-calls-${BULK_FROM}-to-${BULK_TO}.csv`)
    const lines = readFileSync((await download.path())!, 'utf8')
      .trimEnd()
      .split('\r\n')
    const header = lines[0]!.split(',')
    const idAt = header.indexOf('id')
    const costAt = header.indexOf('cost_usd')
    expect(lines).toHaveLength(BULK_CALLS + 1)
    const ids = new Set<string>()
    let total = 0n
    // No cell of these records holds a comma or a quote before the cost column (ids, names,
    // numbers), so a split is a faithful parse of the columns read here.
    for (const line of lines.slice(1)) {
      const cells = line.split(',')
      ids.add(cells[idAt]!)
      if (cells[costAt] !== '') total += picoFromUsd(cells[costAt]!)
    }
    expect(ids.size).toBe(BULK_CALLS)
    const expected = bulk.reduce((sum, r) => sum + (r.cost === null ? 0n : picoFromUsd(r.cost)), 0n)
    expect(usdFromPico(total)).toBe(usdFromPico(expected))
    expect(consoleErrors).toEqual([])
  }, 600_000)
})
