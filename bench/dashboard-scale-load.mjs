// Dashboard under load (issue 9, "Dashboard under load"): the 90-day demo ledger (about 224k
// calls, SQLite) served by the dashboard in its own process, once with the answer cache and once
// without, side by side in one run:
// - 50 connections asking `/api/overview` (30 days) as fast as they can: requests per second and
//   latency percentiles;
// - one connection asking a heavy view (a 92-day tag-filtered overview, raw calls) in a loop
//   while another asks for one call: that call's latency beside its latency on an idle server.
//
// `node bench/dashboard-scale-load.mjs [--requests N] [--days N] [--db PATH]`; `--db` serves an
// existing demo ledger instead of generating one (to compare two builds on the same file).
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { generateDemoLedger } from '../apps/dashboard/dist/index.js'
import { openStore } from '../packages/store/dist/index.js'

const CONNECTIONS = 50
const ms = (value) => (value < 10 ? value.toFixed(1) : value.toFixed(0))

async function startServer(db, cache) {
  const child = spawn(
    process.execPath,
    [fileURLToPath(new URL('./dashboard-scale/load-server.mjs', import.meta.url)), db, cache],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  )
  const [line] = await once(child.stdout, 'data')
  return {
    url: String(line).trim().replace('tokenledger dashboard: ', ''),
    async stop() {
      child.kill('SIGTERM')
      await once(child, 'exit')
    },
  }
}

async function timed(url) {
  const t0 = performance.now()
  const response = await fetch(url)
  await response.arrayBuffer()
  if (!response.ok) throw new Error(`${url}: HTTP ${response.status}`)
  return performance.now() - t0
}

const percentile = (sorted, p) =>
  sorted[Math.min(sorted.length - 1, Math.ceil(sorted.length * p) - 1)]

/** `requests` requests over CONNECTIONS concurrent loops; requests/s and percentiles. */
async function hammer(url, requests) {
  const latencies = []
  let next = 0
  const t0 = performance.now()
  await Promise.all(
    Array.from({ length: CONNECTIONS }, async () => {
      while (next++ < requests) latencies.push(await timed(url))
    }),
  )
  const seconds = (performance.now() - t0) / 1000
  latencies.sort((a, b) => a - b)
  return {
    perSecond: latencies.length / seconds,
    p50: percentile(latencies, 0.5),
    p99: percentile(latencies, 0.99),
  }
}

/** One call's latency (median of 15) on an idle server and while a heavy view runs in a loop. */
async function responsiveness(base, heavyPath, lightPath) {
  const sample = async () => {
    const times = []
    for (let i = 0; i < 15; i++) times.push(await timed(new URL(lightPath, base)))
    return times.sort((a, b) => a - b)[7]
  }
  const idle = await sample()
  let running = true
  const heavy = (async () => {
    let n = 0
    while (running) {
      await timed(new URL(heavyPath, base))
      n++
    }
    return n
  })()
  const busy = await sample()
  running = false
  await heavy
  const heavyMs = await timed(new URL(heavyPath, base))
  return { idle, busy, heavyMs }
}

/** The demo ledger to serve: `existing`, or a new one of `days` days; its size and one call id. */
async function demoLedger(dir, existing, days) {
  const db = `sqlite:${existing ?? join(dir, 'demo.db')}`
  const store = await openStore(db, { readOnly: existing !== undefined })
  try {
    const calls =
      existing === undefined
        ? (await generateDemoLedger({ store, days, seed: 42 })).calls
        : (await store.listCalls({ limit: 1, offset: 0 })).total
    const one = (await store.listCalls({ limit: 1, offset: 0 })).rows[0].id
    return { db, calls, one }
  } finally {
    await store.close()
  }
}

export async function run({ quick = false, log = () => {}, requests, days, db: existing } = {}) {
  const total = requests ?? (quick ? 300 : 1000)
  const dir = mkdtempSync(join(tmpdir(), 'tokenledger-bench-load-'))
  const figures = []
  try {
    const { db, calls, one } = await demoLedger(dir, existing, days ?? (quick ? 30 : 90))
    figures.push({
      label: 'demo ledger (SQLite)',
      value: `${calls.toLocaleString('en-US')} calls`,
    })
    const results = {}
    for (const cache of ['off', 'on']) {
      const server = await startServer(db, cache)
      try {
        const overview = new URL('/api/overview?range=30d', server.url)
        for (let i = 0; i < 3; i++) await timed(overview)
        const load = await hammer(overview, total)
        const probe = await responsiveness(
          server.url,
          '/api/overview?range=90d&tag=user%3Dalice',
          `/api/calls/${one}`,
        )
        results[cache] = { load, probe }
        log(
          `  cache ${cache}: ${load.perSecond.toFixed(0)} req/s, p50 ${ms(load.p50)} ms, p99 ${ms(load.p99)} ms; one call ${ms(probe.idle)} ms idle, ${ms(probe.busy)} ms beside a ${ms(probe.heavyMs)} ms tag-filtered 90-day overview`,
        )
      } finally {
        await server.stop()
      }
    }
    for (const cache of ['off', 'on']) {
      const { load, probe } = results[cache]
      figures.push({
        label: `${CONNECTIONS} connections x /api/overview (30 days), ${total} requests, answer cache ${cache}`,
        value: `${load.perSecond.toFixed(0)} req/s, p50 ${ms(load.p50)} ms, p99 ${ms(load.p99)} ms`,
      })
      figures.push({
        label: `one call (/api/calls/:id) beside a 90-day tag-filtered overview in a loop, cache ${cache}`,
        value: `median ${ms(probe.busy)} ms (idle: ${ms(probe.idle)} ms; the heavy view: ${ms(probe.heavyMs)} ms)`,
      })
    }
    const ratio = results.on.load.perSecond / results.off.load.perSecond
    return {
      name: 'dashboard-scale-load',
      target: 'responsive under 50 connections (issue 9: 88 req/s, p99 5.2 s before)',
      met: null,
      ratio: { label: 'req/s with the answer cache / without', value: `${ratio.toFixed(1)}x` },
      figures,
      notes: [
        "The dashboard runs a SQLite ledger's queries on two read threads (better-sqlite3 is synchronous; on the event loop a long query held every other request for its duration). The cache makes repeated answers cheap; tag filters are bounded to 92 days, which bounds the longest read.",
      ],
    }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({
    options: {
      quick: { type: 'boolean', default: false },
      requests: { type: 'string' },
      days: { type: 'string' },
      db: { type: 'string' },
    },
  })
  const result = await run({
    quick: values.quick,
    log: console.error,
    requests: values.requests ? Number(values.requests) : undefined,
    days: values.days ? Number(values.days) : undefined,
    db: values.db,
  })
  console.log(JSON.stringify(result, null, 2))
}
