#!/usr/bin/env node
/**
 * `pnpm start`: makes sure ./demo-ledger.db holds today's demo traffic (building it when missing
 * or stale), then serves the dashboard on it and prints the URL.
 *
 * Options: `--port N` (or PORT), `--host H` (or HOST), `--db PATH` (default ./demo-ledger.db),
 * `--rebuild` to regenerate unconditionally.
 * @module
 */
import { existsSync, rmSync } from 'node:fs'
import { resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { openStore } from '@tokenledger/store'
import { DAY_MS, startOfUtcDay } from './period.js'
import { startDashboard } from './serve.js'
import { demoCanaryId, generateDemoLedger } from './demo/generate-demo-ledger.js'

const SEED = 42

/** True when the file holds this generator version's traffic up to today (UTC). */
async function isFresh(path: string, now: Date): Promise<boolean> {
  if (!existsSync(path)) return false
  try {
    const store = await openStore(`sqlite:${path}`, { readOnly: true })
    try {
      if ((await store.getCall(demoCanaryId(SEED))) === null) return false
      const latest = await store.listCalls({ limit: 1, offset: 0 })
      const newest = latest.rows[0]
      return (
        newest !== undefined &&
        Date.parse(newest.timestamp) >= startOfUtcDay(now).getTime() - DAY_MS / 2
      )
    } finally {
      await store.close()
    }
  } catch {
    return false
  }
}

async function build(path: string): Promise<void> {
  for (const suffix of ['', '-wal', '-shm', '-journal']) rmSync(`${path}${suffix}`, { force: true })
  const store = await openStore(`sqlite:${path}`)
  const started = Date.now()
  try {
    process.stderr.write(`Building the demo ledger ${path} (90 days of synthetic calls)...\n`)
    const summary = await generateDemoLedger({
      store,
      seed: SEED,
      onProgress: (written, day, days) =>
        process.stderr.write(
          `\r  ${written.toLocaleString('en-US')} calls, day ${day + 1}/${days}`,
        ),
    })
    process.stderr.write(
      `\n  ${summary.calls.toLocaleString('en-US')} calls, $${summary.cost} computed, ${summary.unpricedCalls.toLocaleString('en-US')} unpriced, in ${((Date.now() - started) / 1000).toFixed(1)} s\n`,
    )
  } finally {
    await store.close()
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      port: { type: 'string' },
      host: { type: 'string' },
      db: { type: 'string' },
      rebuild: { type: 'boolean', default: false },
    },
  })
  const portText = values.port ?? process.env['PORT'] ?? '8787'
  const port = Number(portText)
  if (!/^\d{1,5}$/.test(portText) || port > 65535) {
    process.stderr.write(
      `tokenledger demo: --port: expected a port number 0..65535, got ${JSON.stringify(portText)}\n`,
    )
    process.exit(2)
  }
  const host = values.host ?? process.env['HOST'] ?? '127.0.0.1'
  const path = resolve(values.db ?? 'demo-ledger.db')
  if (values.rebuild || !(await isFresh(path, new Date()))) await build(path)
  const dashboard = await startDashboard({
    db: `sqlite:${path}`,
    host,
    port,
    onError: (error) => console.error(error),
  })
  process.stdout.write(
    `tokenledger dashboard on the demo ledger: ${dashboard.openUrl}\n(Ctrl+C to stop)\n`,
  )
  const stop = () => {
    dashboard.close().then(
      () => process.exit(0),
      () => process.exit(1),
    )
  }
  process.once('SIGINT', stop)
  process.once('SIGTERM', stop)
}

main().catch((error: unknown) => {
  process.stderr.write(
    `tokenledger demo: ${error instanceof Error ? error.message : String(error)}\n`,
  )
  process.exit(1)
})
