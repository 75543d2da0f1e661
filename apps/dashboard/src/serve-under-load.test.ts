/**
 * A slow query must not hold up the dashboard's other requests (issue 9, minor "Dashboard under
 * load": a 10-year tag-filtered page blocked every other request for its duration). The dashboard
 * opens a SQLite ledger with its queries on read threads; here, over real HTTP, a tag-filtered
 * list of a few months of raw calls, sorted by cost, runs while small requests come and go.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { monitorEventLoopDelay } from 'node:perf_hooks'
import { openStore } from '@tokenledger/store'
import { createRecordFactory } from '@tokenledger/store/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type RunningDashboard, startDashboard } from './serve.js'

const CALLS = 40_000
const DAY_MS = 86_400_000
const SLOW = '/api/calls?range=90d&tag=user%3Dalice&sort=cost&limit=50'

let dir: string
let dashboard: RunningDashboard
let oneCall: string

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'tokenledger-dashboard-load-'))
  const db = `sqlite:${join(dir, 'ledger.db')}`
  const store = await openStore(db)
  const spanMs = 80 * DAY_MS
  const factory = createRecordFactory({
    seed: 91,
    start: new Date(Date.now() - spanMs),
    stepMs: Math.floor(spanMs / CALLS),
  })
  for (let written = 0; written < CALLS; written += 10_000)
    await store.insert(factory.batch(10_000))
  oneCall = (await store.listCalls({ limit: 1, offset: 0 })).rows[0]!.id
  await store.close()
  // No answer cache: every slow request reads the ledger.
  dashboard = await startDashboard({ db, port: 0, cache: false })
}, 120_000)
afterAll(async () => {
  await dashboard?.close()
  rmSync(dir, { recursive: true, force: true })
})

/** GETs `path` and reads the whole body; resolves to when it finished. */
async function get(path: string): Promise<number> {
  const response = await fetch(new URL(path, dashboard.url))
  await response.arrayBuffer()
  expect(response.status, path).toBe(200)
  return performance.now()
}

describe('the dashboard while a slow query runs', () => {
  it('answers other requests meanwhile, and its event loop never waits for the query', async () => {
    const small = `/api/calls/${oneCall}`
    // Warm both read threads and the routes.
    await Promise.all([get(SLOW), get(small), get('/static/dashboard.css')])

    const delay = monitorEventLoopDelay({ resolution: 1 })
    delay.enable()
    // The histogram samples from its first tick on: let it start first.
    while (delay.count === 0) await new Promise((resolve) => setTimeout(resolve, 1))
    const t0 = performance.now()
    let slowDone = false
    const slow = get(SLOW).then((at) => {
      slowDone = true
      return at
    })
    // Small requests one after another (a query on the other read thread, a static file) until
    // the slow one is answered.
    const answeredDuring: number[] = []
    while (!slowDone) {
      const at = await get(answeredDuring.length % 2 === 0 ? small : '/static/dashboard.css')
      if (!slowDone) answeredDuring.push(at - t0)
    }
    const slowMs = (await slow) - t0
    delay.disable()
    const maxDelayMs = delay.max / 1e6

    // The slow request took many small ones' time; they were answered all along.
    expect(answeredDuring.length, `slow request ${slowMs.toFixed(0)} ms`).toBeGreaterThanOrEqual(5)
    expect(answeredDuring[0]!).toBeLessThan(slowMs / 4)
    // On the caller's thread the loop waited for the whole query: here for a small part of it.
    expect(maxDelayMs, `slow request ${slowMs.toFixed(0)} ms`).toBeLessThan(slowMs / 4)
  })
})
