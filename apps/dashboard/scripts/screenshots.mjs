#!/usr/bin/env node
/**
 * Takes the README's screenshots of the dashboard (docs/dashboard*.png) in Debian's Chromium over
 * a fresh 30-day demo ledger: overview, calls, tag view, dark mode, and a phone. Run after
 * `pnpm build`: `node apps/dashboard/scripts/screenshots.mjs [OUT_DIR]` (default docs/).
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { chromium } from 'playwright-core'
import { openStore } from '@tokenledger/store'
import { generateDemoLedger, startDashboard } from '@tokenledger/dashboard'

const out = resolve(process.argv[2] ?? 'docs')
const dir = mkdtempSync(join(tmpdir(), 'tokenledger-shots-'))
const db = `sqlite:${join(dir, 'demo.db')}`
const store = await openStore(db)
await generateDemoLedger({ store, days: 30, seed: 42 })
await store.close()
const dashboard = await startDashboard({ db, port: 0 })
const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  args: [
    '--headless',
    '--no-sandbox',
    '--disable-gpu',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    '--no-first-run',
  ],
})
const shots = [
  {
    file: 'dashboard.png',
    path: '/?range=30d',
    width: 1400,
    height: 900,
    theme: 'light',
    full: true,
  },
  {
    file: 'dashboard-calls.png',
    path: '/calls?range=30d',
    width: 1400,
    height: 900,
    theme: 'light',
  },
  {
    file: 'dashboard-tags.png',
    path: '/tags?range=30d&key=feature',
    width: 1400,
    height: 900,
    theme: 'light',
  },
  { file: 'dashboard-dark.png', path: '/?range=30d', width: 1400, height: 900, theme: 'dark' },
  { file: 'dashboard-phone.png', path: '/calls?range=7d', width: 390, height: 844, theme: 'dark' },
]
mkdirSync(out, { recursive: true })
try {
  for (const shot of shots) {
    const page = await browser.newPage({
      viewport: { width: shot.width, height: shot.height },
      colorScheme: shot.theme,
      timezoneId: 'UTC',
    })
    await page.goto(new URL(shot.path, dashboard.url).toString())
    await page.waitForSelector('body[data-dashboard-ready="true"]', { timeout: 120_000 })
    await page.screenshot({ path: join(out, shot.file), fullPage: shot.full === true })
    await page.close()
    process.stderr.write(`${join(out, shot.file)}\n`)
  }
} finally {
  await browser.close()
  await dashboard.close()
  rmSync(dir, { recursive: true, force: true })
}
