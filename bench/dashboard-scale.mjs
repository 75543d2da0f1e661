// Dashboard at scale (issue 6, figure 3): a ledger of 10M calls over 365 days, written through the
// store's write path; the dashboard (`tokenledger dashboard`, its own process) answers the overview
// of the last 30 days, spend by model and by provider, and the first page of calls. Each answer's
// median time over HTTP is set beside the same answer computed by a plain GROUP BY over the raw
// calls table, and the totals are checked equal to the last digit. The dashboard's peak RSS is
// read from /proc. SQLite always; PostgreSQL when reachable (a smaller ledger: see SIZES).
// The ledgers roll up the tag key the tag views use (TAG_KEYS, set before the first call; a kept
// ledger measured again with --sqlite-ledger is backfilled first, and that is timed).
//
// `node bench/dashboard-scale.mjs [--quick] [--sqlite-calls N] [--pg-calls N] [--pg-url URL]
//   [--sequential] [--batch N]` (`--keep` keeps the SQLite ledger it writes; `--sqlite-ledger PATH`
//   measures a kept one again)
// Before and after: `--baseline DIR --baseline-ledger PATH` also serves PATH with the build of the
// checkout DIR (an earlier commit, built), its requests alternating with this build's, and sets
// every SQLite answer beside that build's. PATH is a copy of the same ledger as this build's, taken
// before this build migrated it (an earlier build may not read a later schema). Under `pnpm bench`,
// the environment says the same: TOKENLEDGER_BENCH_SQLITE_LEDGER, TOKENLEDGER_BENCH_BASELINE_DIR
// and TOKENLEDGER_BENCH_BASELINE_LEDGER.
import { execFileSync } from 'node:child_process'
import { mkdtempSync, rmSync, statSync } from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { presetPeriod } from '../apps/dashboard/dist/period.js'
import { DAY_MS } from '../packages/pricing/dist/index.js'
import { openStore } from '../packages/store/dist/index.js'
import { getText, startDashboardProcess } from './dashboard-scale/dashboard-process.mjs'
import { fillInChild } from './dashboard-scale/fill-ledger.mjs'
import {
  postgresRaw,
  rawBreakdown,
  rawCallsPage,
  rawOverview,
  rawTagSpend,
  sqliteRaw,
} from './dashboard-scale/raw-baseline.mjs'

/**
 * Calls per ledger. PostgreSQL's is smaller in the full run: it is written while the SQLite one is,
 * and at its write rate 3M is what finishes before SQLite's 10M; 10M would take most of the
 * 15-minute budget of `pnpm bench` by itself (see the notes).
 */
const SIZES = {
  full: { sqlite: 10_000_000, postgres: 3_000_000 },
  quick: { sqlite: 1_000_000, postgres: 300_000 },
}
const TARGET_MS = { sqlite: 100, postgres: 300 }
/** Issue 13 (SQLite, 10M calls): the whole year at most 50 ms, the 30-day tag views 100 ms. */
const ISSUE_13_MS = { year: 50, tag: 100 }
const MEMORY_LIMIT = 300 * 2 ** 20
/**
 * Calls per store.insert (one transaction each), as a bulk load would batch them. Large batches
 * matter on SQLite past a few million calls: each batch rewrites pages all over the random-id
 * index, so fewer, larger batches write less per call (at 10M calls: about 16,000 calls/s with
 * 200,000 per batch against 11,000 with 50,000, measured on this machine).
 */
const BATCH = 200_000
/** The tag keys the ledgers roll up (`setTagRollupKeys`): the one the tag rows below filter on. */
const TAG_KEYS = ['user']
const RUNS = 21
const WARMUPS = 2
/**
 * Warm-ups of each dashboard answer: enough for the server's code of that answer to be optimised
 * (a dashboard runs for days; its first requests after a start are not what it answers). With 2,
 * a calls page's median still held some of its first, unoptimised requests (38 ms, 8, 4.5...).
 */
const DASHBOARD_WARMUPS = 10
/** Runs of each dashboard answer (unless it says): its cheapest answers differ by tenths of a ms. */
const DASHBOARD_RUNS = 61
const PAGE = 50
const DEFAULT_PG_URL = 'postgres://postgres@127.0.0.1:5432/test'

const MB = (bytes) => `${(bytes / 2 ** 20).toFixed(0)} MB`
const ms = (value) => (value < 10 ? value.toFixed(1) : value.toFixed(0))
const count = (n) => n.toLocaleString('en-US')
const times = (ratio) => `${ratio < 10 ? ratio.toFixed(1) : ratio.toFixed(0)}x`
const millions = (n) => (n >= 1e6 ? `${n / 1e6}M` : `${n / 1e3}k`)

/**
 * Times each of `fns` RUNS times after WARMUPS runs, in turns (one run of each, then the next, the
 * order reversed every other turn: ABBA), so drift and position hit them alike; per function the
 * median and p90 in milliseconds, and the last result.
 */
async function measureEach(fns, runs = RUNS, warmups = WARMUPS) {
  for (let i = 0; i < warmups; i++) for (const fn of fns) await fn()
  const times = fns.map(() => [])
  const results = []
  const turns = [[...fns.entries()], [...fns.entries()].reverse()]
  for (let i = 0; i < runs; i++) {
    for (const [k, fn] of turns[i % 2]) {
      const t0 = process.hrtime.bigint()
      results[k] = await fn()
      times[k].push(Number(process.hrtime.bigint() - t0) / 1e6)
    }
  }
  return times.map((list, k) => {
    list.sort((a, b) => a - b)
    return {
      median: list[Math.floor(runs / 2)],
      p90: list[Math.ceil(runs * 0.9) - 1],
      runs,
      result: results[k],
    }
  })
}

const measure = async (fn, runs, warmups) => (await measureEach([fn], runs, warmups))[0]

/** JSON with sorted keys, so two answers compare by content. */
function canonical(value) {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`
  if (value !== null && typeof value === 'object') {
    return `{${Object.keys(value)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical(value[k])}`)
      .join(',')}}`
  }
  return JSON.stringify(value)
}

const pick = (object, keys) => Object.fromEntries(keys.map((k) => [k, object[k]]))

/** The part of each dashboard answer that the raw baseline also computes. */
const CHECKS = {
  overview: (body) =>
    pick(body, [
      'calls',
      'pricedCalls',
      'unpricedCalls',
      'errorCalls',
      'abortedCalls',
      'cost',
      'cacheSavings',
      'tokens',
      'reported',
    ]),
  breakdown: (key) => (body) => ({
    total: body.total,
    calls: body.calls,
    rows: Object.fromEntries(
      body.rows.map((r) => [
        String(r[key]),
        pick(r, ['calls', 'unpricedCalls', 'cost', 'cacheSavings', 'reportedCost']),
      ]),
    ),
  }),
  calls: (body) => ({ total: body.total, ids: body.rows.map((row) => row.id) }),
  tags: (body) => ({
    calls: body.calls,
    total: body.total,
    values: Object.fromEntries(
      body.values.map((v) => [String(v.value), { calls: v.calls, cost: v.cost }]),
    ),
  }),
}

/**
 * Serves one ledger with the dashboard process and measures every answer against its baseline.
 * Returns per-answer timings, whether all totals matched, and the dashboard's memory.
 */
async function measureEngine({ dialect, db, openRaw, period, log, baseline = null }) {
  const since = period.since.getTime()
  const until = period.until.getTime()
  const day = (at) => new Date(at).toISOString().slice(0, 10)
  // The 30-day preset as explicit dates: the same period even if the run crosses midnight UTC.
  const view = `from=${day(since)}&to=${day(until - DAY_MS)}`
  const answers = [
    {
      name: 'overview',
      path: `/api/overview?${view}`,
      check: CHECKS.overview,
      raw: (e) => rawOverview(e, since, until),
      target: true,
    },
    {
      name: 'spend by model',
      path: `/api/breakdown?${view}&by=model`,
      check: CHECKS.breakdown('model'),
      raw: (e) => rawBreakdown(e, 'model', since, until),
      target: true,
    },
    {
      name: 'spend by provider',
      path: `/api/breakdown?${view}&by=provider`,
      check: CHECKS.breakdown('provider'),
      raw: (e) => rawBreakdown(e, 'provider', since, until),
      target: true,
    },
    {
      name: 'calls, first page',
      path: `/api/calls?${view}&limit=${PAGE}`,
      check: CHECKS.calls,
      raw: (e) => rawCallsPage(e, since, until, { limit: PAGE }),
      target: true,
    },
    {
      name: 'unpriced calls, first page',
      path: `/api/calls?${view}&limit=${PAGE}&priced=no`,
      check: CHECKS.calls,
      raw: (e) => rawCallsPage(e, since, until, { limit: PAGE, unpriced: true }),
      target: true,
    },
    // What the overview page loads besides: the page itself and its chart's series.
    { name: 'overview page (HTML)', path: `/?${view}`, target: true },
    {
      name: 'spend per day series',
      path: `/api/series?${view}&bucket=day&stack=model`,
      target: true,
    },
    // Issue 13's targets: a whole year as fast as 30 days (daily rollups), the tag views.
    {
      name: 'overview of the whole year',
      path: `/api/overview?from=${day(until - 365 * DAY_MS)}&to=${day(until - DAY_MS)}`,
      check: CHECKS.overview,
      raw: (e) => rawOverview(e, until - 365 * DAY_MS, until),
      target: 'year',
      // The raw GROUP BY of a year reads every call: once is enough to compare.
      rawRuns: 1,
      rawWarmups: 0,
    },
    {
      name: 'overview filtered by one tag',
      path: `/api/overview?${view}&tag=user%3Dalice`,
      check: CHECKS.overview,
      raw: (e) => rawOverview(e, since, until, ['user', 'alice']),
      target: 'tag',
      runs: 5,
      rawRuns: 3,
      rawWarmups: 1,
    },
    {
      name: 'spend by model filtered by one tag',
      path: `/api/breakdown?${view}&by=model&tag=user%3Dalice`,
      check: CHECKS.breakdown('model'),
      raw: (e) => rawBreakdown(e, 'model', since, until, ['user', 'alice']),
      target: 'tag',
      runs: 5,
      rawRuns: 3,
      rawWarmups: 1,
    },
    {
      name: 'spend by tag (breakdown and series by user)',
      path: `/api/tags?${view}&key=user`,
      check: CHECKS.tags,
      raw: (e) => rawTagSpend(e, 'user', since, until),
      target: 'tag',
      runs: 5,
      rawRuns: 3,
      rawWarmups: 1,
    },
  ]

  // Without the answer cache: every request reads the ledger (bench/dashboard-scale-load.mjs
  // measures the cache).
  const dashboard = await startDashboardProcess(db, { log, cache: 'off' })
  const before = baseline
    ? await startDashboardProcess(`sqlite:${baseline.ledger}`, {
        log,
        cache: 'off',
        root: baseline.dir,
      }).catch(async (error) => {
        await dashboard.stop()
        throw error
      })
    : null
  const idle = dashboard.memory()
  let memory
  try {
    for (const answer of answers) {
      const sides = [dashboard, ...(before ? [before] : [])]
      ;[answer.dashboard, answer.before] = await measureEach(
        sides.map((side) => () => getText(side.url, answer.path)),
        answer.runs ?? DASHBOARD_RUNS,
        DASHBOARD_WARMUPS,
      )
      log(
        `  ${dialect} dashboard ${answer.name}: median ${ms(answer.dashboard.median)} ms, p90 ${ms(answer.dashboard.p90)} ms${answer.before ? `; baseline build ${ms(answer.before.median)} ms, p90 ${ms(answer.before.p90)} ms` : ''}`,
      )
    }
    memory = dashboard.memory()
  } finally {
    await dashboard.stop()
    await before?.stop()
  }

  const raw = await openRaw()
  let exact = true
  const mismatches = []
  try {
    for (const answer of answers.filter((a) => a.raw)) {
      answer.baseline = await measure(() => answer.raw(raw), answer.rawRuns, answer.rawWarmups)
      const ours = canonical(answer.check(JSON.parse(answer.dashboard.result)))
      const theirs = canonical(answer.baseline.result)
      answer.equal = ours === theirs
      if (!answer.equal) {
        exact = false
        mismatches.push(
          `${answer.name}: dashboard ${ours.slice(0, 400)} vs raw ${theirs.slice(0, 400)}`,
        )
      }
      log(
        `  ${dialect} raw ${answer.name}: median ${ms(answer.baseline.median)} ms; equal: ${answer.equal ? 'yes' : 'NO'}`,
      )
    }
  } finally {
    await raw.close()
  }
  const overview = JSON.parse(answers[0].dashboard.result)
  return {
    answers,
    exact,
    mismatches,
    memory: { idle, ...memory },
    window: { calls: overview.calls, cost: overview.cost },
  }
}

async function pgReachable(url) {
  const require = createRequire(new URL('../packages/store/package.json', import.meta.url))
  const { Client } = require('pg')
  const client = new Client({ connectionString: url, connectionTimeoutMillis: 3000 })
  try {
    await client.connect()
    return client
  } catch (error) {
    await client.end().catch(() => {})
    return { error }
  }
}

/** Rows of the plain and tag rollups, hourly and daily, through the store's own connection. */
async function rollupRows(db) {
  const store = await openStore(db, { readOnly: true })
  try {
    const counts = {}
    for (const table of [
      'call_rollups',
      'call_rollups_daily',
      'call_tag_rollups',
      'call_tag_rollups_daily',
    ]) {
      const row = await store.db
        .selectFrom(table)
        .select((eb) => eb.fn.countAll().as('n'))
        .executeTakeFirstOrThrow()
      counts[table] = Number(row.n)
    }
    return counts
  } finally {
    await store.close()
  }
}

const rollupFigure = (c) =>
  `hourly ${count(c.call_rollups)}, daily ${count(c.call_rollups_daily)}; tag (${TAG_KEYS.join(', ')}) hourly ${count(c.call_tag_rollups)}, daily ${count(c.call_tag_rollups_daily)}`

/** Sums the on-disk size of a PostgreSQL schema's ledger tables. */
async function pgBytes(client, schema) {
  const tables = [
    'calls',
    'call_tags',
    'call_rollups',
    'call_rollups_daily',
    'call_tag_rollups',
    'call_tag_rollups_daily',
  ].map((t) => `pg_total_relation_size('${schema}.${t}')`)
  const { rows } = await client.query(`SELECT ${tables.join(' + ')} AS bytes`)
  return Number(rows[0].bytes)
}

/**
 * @param options.sizes calls per ledger ({ sqlite, postgres }; postgres 0 skips it)
 * @param options.sequential write the two ledgers one after the other (default: at once, each in
 *   its own process; the dashboards are always measured one at a time, with nothing else running)
 * @param options.sqliteLedger measure this existing SQLite ledger instead of writing one
 * @param options.keep keep the SQLite ledger written (its path is logged)
 * @param options.baseline `{ dir, ledger }`: also serve `ledger` with the build in `dir` (see the top)
 */
export async function run({
  quick = false,
  log = () => {},
  sizes = {},
  pgUrl,
  sqliteLedger = process.env.TOKENLEDGER_BENCH_SQLITE_LEDGER || undefined,
  baseline = baselineOf(
    process.env.TOKENLEDGER_BENCH_BASELINE_DIR,
    process.env.TOKENLEDGER_BENCH_BASELINE_LEDGER,
  ),
  keep = false,
  sequential = false,
  batchSize = BATCH,
} = {}) {
  const size = { ...(quick ? SIZES.quick : SIZES.full), ...sizes }
  const end = new Date()
  const period = presetPeriod('30d', end)
  const figures = []
  const notes = []
  const results = {}
  let met = true
  const started = Date.now()

  const dir = mkdtempSync(join(tmpdir(), 'tokenledger-bench-scale-'))
  const path = sqliteLedger ?? join(dir, 'ledger.db')
  const url = pgUrl ?? process.env.TOKENLEDGER_BENCH_PG_URL ?? DEFAULT_PG_URL
  const admin =
    size.postgres > 0 ? await pgReachable(url) : { error: new Error('skipped: --pg-calls 0') }
  const schema = `bench_dashboard_${process.pid}`
  const pgDb = `${url}${url.includes('?') ? '&' : '?'}schema=${schema}`
  try {
    // ---- write the ledgers (through store.insert, each in its own process)
    const fills = []
    if (sqliteLedger) {
      log(`SQLite: reusing ${path} (not written by this run)`)
    } else {
      log(`SQLite: writing ${count(size.sqlite)} calls over 365 days to ${path}`)
      fills.push([
        'sqlite',
        () =>
          fillInChild({
            url: `sqlite:${path}`,
            calls: size.sqlite,
            end,
            seed: 11,
            batchSize,
            tagKeys: TAG_KEYS,
            log,
          }),
      ])
    }
    if (!admin.error) {
      log(`PostgreSQL: writing ${count(size.postgres)} calls over 365 days to schema ${schema}`)
      fills.push([
        'postgres',
        () =>
          fillInChild({
            url: pgDb,
            calls: size.postgres,
            end,
            seed: 12,
            batchSize,
            tagKeys: TAG_KEYS,
            log,
          }),
      ])
    }
    const f0 = Date.now()
    const written = {}
    if (sequential) for (const [dialect, fill] of fills) written[dialect] = await fill()
    else {
      // Both to the end, even when one fails, so no child is left writing into a deleted ledger.
      const settled = await Promise.allSettled(fills.map(([, fill]) => fill()))
      const failed = settled.find((s) => s.status === 'rejected')
      if (failed) throw failed.reason
      settled.forEach((s, i) => (written[fills[i][0]] = s.value))
    }
    const fillSeconds = (Date.now() - f0) / 1000
    const how = `store.insert, ${count(batchSize)} per batch${fills.length > 1 && !sequential ? ', both ledgers written at once' : ''}`

    // ---- SQLite
    if (written.sqlite) {
      const w = written.sqlite
      figures.push({
        label: `SQLite ledger: ${millions(size.sqlite)} calls over 365 days (${how})`,
        value: `${w.seconds.toFixed(0)} s, ${count(w.perSecond)} calls/s (record factory included); file ${MB(statSync(path).size)}`,
      })
    } else {
      // A ledger written before its tags were rolled up: the backfill a team would run once.
      const store = await openStore(`sqlite:${path}`)
      let backfill
      try {
        const b0 = Date.now()
        await store.setTagRollupKeys(TAG_KEYS, {
          onProgress: (p) => {
            if (p.complete || p.calls % 2_000_000 < 200_000)
              log(`  backfilling ${p.key}: ${count(p.calls)} of ${count(p.total)} calls`)
          },
        })
        backfill = (Date.now() - b0) / 1000
      } finally {
        await store.close()
      }
      figures.push({
        label: 'SQLite ledger: an existing file (--sqlite-ledger), not written by this run',
        value: `file ${MB(statSync(path).size)}; tag rollups of ${TAG_KEYS.join(', ')} ready in ${backfill.toFixed(1)} s (0 s: already set)`,
      })
    }
    figures.push({
      label: 'SQLite ledger: rollup rows',
      value: rollupFigure(await rollupRows(`sqlite:${path}`)),
    })
    results.sqlite = await measureEngine({
      dialect: 'sqlite',
      db: `sqlite:${path}`,
      openRaw: async () => sqliteRaw(path),
      period,
      log,
      baseline,
    })

    // ---- PostgreSQL
    if (admin.error) {
      met = false
      notes.push(
        `PostgreSQL was not measured (${url}: ${admin.error.message}), so the figure is NOT met.`,
      )
    } else {
      const v0 = Date.now()
      // A fresh bulk load has no planner statistics and no visibility map yet; autovacuum would
      // do this within minutes. Both sides (dashboard and raw GROUP BY) profit.
      await admin.query(
        `VACUUM ANALYZE ${['calls', 'call_rollups', 'call_rollups_daily', 'call_tags', 'call_tag_rollups', 'call_tag_rollups_daily'].map((t) => `${schema}.${t}`).join(', ')}`,
      )
      const vacuum = (Date.now() - v0) / 1000
      const w = written.postgres
      figures.push({
        label: `PostgreSQL ledger: ${millions(size.postgres)} calls over 365 days (${how})`,
        value: `${w.seconds.toFixed(0)} s, ${count(w.perSecond)} calls/s (record factory included); ${MB(await pgBytes(admin, schema))} on disk; VACUUM ANALYZE ${vacuum.toFixed(0)} s`,
      })
      figures.push({
        label: 'PostgreSQL ledger: rollup rows',
        value: rollupFigure(await rollupRows(pgDb)),
      })
      results.postgres = await measureEngine({
        dialect: 'postgres',
        db: pgDb,
        openRaw: () => postgresRaw(url, schema),
        period,
        log,
      })
    }
    if (fills.length > 0)
      figures.push({
        label: 'time: writing the ledgers / the whole benchmark',
        value: `${fillSeconds.toFixed(0)} s / ${((Date.now() - started) / 1000).toFixed(0)} s`,
      })
  } finally {
    if (!admin.error) {
      await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`).catch(() => {})
      await admin.end()
    }
    if (keep && !sqliteLedger) log(`SQLite ledger kept: ${path}`)
    else rmSync(dir, { recursive: true, force: true })
  }

  // ---- figures
  const ratios = {}
  for (const [dialect, result] of Object.entries(results)) {
    const name =
      dialect === 'sqlite'
        ? `SQLite ${millions(size.sqlite)}`
        : `PostgreSQL ${millions(size.postgres)}`
    figures.push({
      label: `${name}: calls in the last 30 UTC days`,
      value: `${count(result.window.calls)} calls, $${result.window.cost}`,
    })
    for (const answer of result.answers) {
      const d = answer.dashboard
      const limit =
        answer.target === true
          ? TARGET_MS[dialect]
          : dialect === 'sqlite'
            ? ISSUE_13_MS[answer.target]
            : undefined
      const within = limit === undefined || d.median <= limit
      if (!within) met = false
      const over = !within ? ` over the ${limit} ms target` : ''
      let value = `dashboard ${ms(d.median)} ms (p90 ${ms(d.p90)})${over}`
      if (answer.baseline) {
        const ratio = answer.baseline.median / d.median
        if (answer.name === 'overview') ratios[dialect] = ratio
        const plain =
          answer.name.includes('calls,') || answer.name.includes('calls, first')
            ? 'raw ORDER BY + COUNT(*)'
            : 'raw GROUP BY'
        // No '|' in values: bench/run.js puts them in Markdown tables.
        value += `; ${plain} ${ms(answer.baseline.median)} ms (p90 ${ms(answer.baseline.p90)}); ratio ${times(ratio)}`
      }
      if (answer.before) {
        // Issue 13: every answer no slower than before.
        const slower = d.median > answer.before.median
        if (slower) met = false
        value += `; baseline build ${ms(answer.before.median)} ms (p90 ${ms(answer.before.p90)})${slower ? ', SLOWER than the baseline' : ''}`
      }
      figures.push({ label: `${name}: ${answer.name} (median of ${d.runs})`, value })
    }
    const memoryOk = result.memory.peak < MEMORY_LIMIT
    if (!memoryOk) met = false
    figures.push({
      label: `${name}: dashboard process peak RSS (VmHWM)`,
      value: `${MB(result.memory.peak)} (after start ${MB(result.memory.idle.current)})${memoryOk ? '' : ' over the 300 MB target'}`,
    })
    if (!result.exact) met = false
    figures.push({
      label: `${name}: dashboard totals = raw GROUP BY totals (exact decimal strings, calls pages by id)`,
      value: result.exact ? 'yes, every answer' : `NO: ${result.mismatches.join('; ')}`,
    })
  }
  notes.push(
    `Targets: median at most ${TARGET_MS.sqlite} ms on SQLite and ${TARGET_MS.postgres} ms on PostgreSQL for every answer listed, dashboard peak RSS below 300 MB. Dashboard times are over HTTP on loopback to \`tokenledger dashboard\` in its own process (body read in full), ${DASHBOARD_WARMUPS} warm-ups then ${DASHBOARD_RUNS} runs (5 for the tag views; a baseline build's requests alternate with this build's, ABBA); the raw queries run in the bench process, ${WARMUPS} warm-ups and ${RUNS} runs (fewer for the slowest).`,
    'The dashboard reads whole days from the daily rollup and whole hours from the hourly rollup the store keeps in its write transaction (about 15 rows per hour, whatever the traffic); the calls pages read their rows by the ts index and take their totals from the rollups; the unpriced list reads only the hours the rollups say hold its page.',
    `The tag views read the tag rollups of ${TAG_KEYS.join(', ')} (\`setTagRollupKeys\`, set before the first call, so the write rates above include keeping them): the same hourly and daily sums per value of the key.`,
  )
  if (baseline) {
    notes.push(
      `Baseline build: ${baseline.label}, serving ${baseline.ledger} (the same calls, in that build's schema) in its own process without its answer cache; its requests alternate with this build's, run by run. Reproduce: in a checkout of the baseline, built, \`node bench/dashboard-scale.mjs --keep --pg-calls 0\` writes the ledger; copy the file, then here \`TOKENLEDGER_BENCH_SQLITE_LEDGER=COPY TOKENLEDGER_BENCH_BASELINE_DIR=CHECKOUT TOKENLEDGER_BENCH_BASELINE_LEDGER=ORIGINAL pnpm bench --only dashboard-scale\` (this build migrates the copy on first open).`,
    )
  }
  if (quick) {
    notes.push(
      `Quick mode: ledgers of ${millions(size.sqlite)} (SQLite) and ${millions(size.postgres)} (PostgreSQL) calls; the figure is defined on 10M.`,
    )
  } else if (size.postgres > 0 && size.postgres < size.sqlite) {
    notes.push(
      `The PostgreSQL ledger is ${millions(size.postgres)} calls, not ${millions(size.sqlite)}: writing is the slow part of this benchmark (rates above); it is written while the SQLite ledger is, and ${millions(size.sqlite)} calls on PostgreSQL as well would not fit the 15-minute budget of \`pnpm bench\`. The dashboard's reads do not grow with the ledger (rollups by hour, ts index); the raw GROUP BY grows with the calls in the period.`,
    )
  }
  const ratioValue = Object.entries(ratios)
    .map(
      ([d, r]) =>
        `${times(r)} ${d === 'sqlite' ? `SQLite ${millions(size.sqlite)}` : `PostgreSQL ${millions(size.postgres)}`}`,
    )
    .join(', ')
  return {
    name: 'dashboard-scale',
    target: `30-day overview, spend by model / provider, first calls page: median <= ${TARGET_MS.sqlite} ms SQLite, <= ${TARGET_MS.postgres} ms PostgreSQL; dashboard RSS < 300 MB; totals exact`,
    met,
    ratio: {
      label: 'raw GROUP BY median / dashboard median, 30-day overview',
      value: ratioValue || 'not measured',
    },
    figures,
    notes,
  }
}

/** The baseline build to serve beside this one (see the top), or null; both or neither are given. */
function baselineOf(dir, ledger) {
  if (!dir && !ledger) return null
  if (!dir || !ledger) {
    throw new Error('dashboard-scale: a baseline needs both its build (DIR) and its ledger (PATH)')
  }
  let label = dir
  try {
    label = `${execFileSync('git', ['-C', dir, 'log', '-1', '--format=%h (%cs) %s'], { encoding: 'utf8' }).trim()} in ${dir}`
  } catch {
    // Not a git checkout: its directory names it.
  }
  return { dir, ledger, label }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({
    options: {
      quick: { type: 'boolean', default: false },
      'sqlite-calls': { type: 'string' },
      'pg-calls': { type: 'string' },
      'pg-url': { type: 'string' },
      sequential: { type: 'boolean', default: false },
      batch: { type: 'string' },
      // Development aids: keep the SQLite ledger written, or measure one kept before.
      keep: { type: 'boolean', default: false },
      'sqlite-ledger': { type: 'string' },
      baseline: { type: 'string' },
      'baseline-ledger': { type: 'string' },
    },
  })
  const sizes = {}
  if (values['sqlite-calls']) sizes.sqlite = Number(values['sqlite-calls'])
  if (values['pg-calls']) sizes.postgres = Number(values['pg-calls'])
  const result = await run({
    quick: values.quick,
    log: console.error,
    sizes,
    pgUrl: values['pg-url'],
    keep: values.keep,
    sqliteLedger: values['sqlite-ledger'],
    baseline: baselineOf(values.baseline, values['baseline-ledger']),
    sequential: values.sequential,
    ...(values.batch ? { batchSize: Number(values.batch) } : {}),
  })
  console.log(JSON.stringify(result, null, 2))
}
