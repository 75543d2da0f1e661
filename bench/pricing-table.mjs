// Pricing with the full table (curated files + catalog layers, 1,800+ models) side by side with the
// curated table alone, in one run: load time, a fresh process's startup and first priced call,
// the first call that needs a catalog model, and calls priced per second on each table.
import { execFileSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { loadPricingTable, tableStats } from '../packages/pricing/dist/index.js'

const DIST = fileURLToPath(new URL('../packages/pricing/dist/index.js', import.meta.url))
const usage = {
  inputTokens: 12_345,
  cacheReadTokens: 6_789,
  cacheWriteTokens: 0,
  outputTokens: 987,
  reasoningTokens: 321,
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.floor(sorted.length / 2)]
}

/** ms to load a table (and price one call on it), median of several loads in this process. */
function loadMs(options, rounds, request) {
  const times = []
  for (let i = 0; i < rounds; i++) {
    const t0 = process.hrtime.bigint()
    const table = loadPricingTable({ env: {}, layers: [], ...options })
    if (request && !table.price(request)) throw new Error('bench: the request did not price')
    times.push(Number(process.hrtime.bigint() - t0) / 1e6)
  }
  return median(times)
}

/** A fresh Node process: import the package, load the table, price one call; wall-clock ms. */
function processMs(options, model, rounds) {
  const script = `
    const t0 = performance.now()
    const { loadPricingTable } = await import(${JSON.stringify(DIST)})
    const table = loadPricingTable({ env: {}, layers: [], ...${JSON.stringify(options)} })
    const cost = table.price({ provider: ${JSON.stringify(model.provider)}, model: ${JSON.stringify(model.model)}, at: new Date('2026-10-01T00:00:00Z'), usage: ${JSON.stringify(usage)} })
    if (!cost) throw new Error('unpriced')
    process.stdout.write(String(performance.now() - t0))`
  const times = []
  for (let i = 0; i < rounds; i++) {
    times.push(
      Number(
        execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' }),
      ),
    )
  }
  return median(times)
}

function throughput(table, request, calls) {
  const requests = Array.from({ length: 1000 }, (_, extra) => ({
    ...request,
    usage: { ...usage, inputTokens: usage.inputTokens + extra },
  }))
  let sum = 0n
  for (let i = 0; i < 20_000; i++) sum += table.price(requests[i % 1000]).totalPico // warm-up
  const t0 = process.hrtime.bigint()
  for (let i = 0; i < calls; i++) sum += table.price(requests[i % 1000]).totalPico
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9
  return { perSecond: Math.round(calls / seconds), sum }
}

export async function run({ quick = false, log = () => {} } = {}) {
  const calls = quick ? 300_000 : 3_000_000
  const rounds = quick ? 3 : 7
  const curated = {
    provider: 'deepseek',
    model: 'deepseek-v4-flash',
    at: new Date('2026-05-01T00:00:00Z'),
    usage,
  }
  const catalogOnly = {
    provider: 'groq',
    model: 'llama-3.1-8b-instant',
    at: new Date('2026-10-01T00:00:00Z'),
    usage,
  }

  const small = loadPricingTable({ env: {}, layers: [], catalogs: false })
  const full = loadPricingTable({ env: {}, layers: [] })
  const smallStats = tableStats(small)
  const fullStats = tableStats(full)
  log(
    `  small table: ${smallStats.models} models, full table: ${fullStats.models} models of ${fullStats.providers} providers`,
  )

  const loadSmall = loadMs({ catalogs: false }, rounds, curated)
  const loadFull = loadMs({}, rounds, curated)
  const loadFullCatalogCall = loadMs({}, rounds, catalogOnly)
  log(
    `  load + first curated call: small ${loadSmall.toFixed(2)} ms, full ${loadFull.toFixed(2)} ms; first catalog call ${loadFullCatalogCall.toFixed(1)} ms`,
  )

  const startSmall = processMs({ catalogs: false }, curated, rounds)
  const startFull = processMs({}, curated, rounds)
  const startFullCatalog = processMs({}, catalogOnly, rounds)
  log(
    `  fresh process to first priced call: small ${startSmall.toFixed(0)} ms, full ${startFull.toFixed(0)} ms, catalog model ${startFullCatalog.toFixed(0)} ms`,
  )

  const tSmall = throughput(small, curated, calls)
  const tFull = throughput(full, curated, calls)
  const tFullCatalog = throughput(full, catalogOnly, calls)
  log(
    `  priced per second: small ${tSmall.perSecond}, full (curated model) ${tFull.perSecond}, full (catalog model) ${tFullCatalog.perSecond}`,
  )
  if (tSmall.sum !== tFull.sum)
    throw new Error('bench: the two tables priced the same calls differently')

  const startupRatio = startFull / startSmall
  const throughputRatio = tFull.perSecond / tSmall.perSecond
  return {
    name: 'pricing-table',
    target:
      'with 1,500+ models: a fresh process reaches its first priced call within 1.1x the small table, and prices at >= 0.9x its rate',
    met: fullStats.models >= 1500 && startupRatio <= 1.1 && throughputRatio >= 0.9,
    ratio: {
      label: 'fresh-process first call, full / small table',
      value: startupRatio.toFixed(2),
    },
    figures: [
      {
        label: 'small table (curated files)',
        value: `${smallStats.models} models, ${smallStats.providers} providers, ${smallStats.cards} cards`,
      },
      {
        label: 'full table (curated + catalog layers)',
        value: `${fullStats.models} models, ${fullStats.providers} providers, ${fullStats.cards} cards`,
      },
      {
        label: 'in-process load + first curated call, small / full',
        value: `${loadSmall.toFixed(2)} ms / ${loadFull.toFixed(2)} ms`,
      },
      {
        label: 'in-process load + first call to a catalog-only model (indexes the catalog layers)',
        value: `${loadFullCatalogCall.toFixed(1)} ms`,
      },
      {
        label: 'fresh process to first priced call, small / full (curated model)',
        value: `${startSmall.toFixed(0)} ms / ${startFull.toFixed(0)} ms`,
      },
      {
        label: 'fresh process to first priced call, full (catalog-only model)',
        value: `${startFullCatalog.toFixed(0)} ms`,
      },
      {
        label: 'calls priced per second, small table',
        value: tSmall.perSecond.toLocaleString('en-US'),
      },
      {
        label: 'calls priced per second, full table, curated model',
        value: `${tFull.perSecond.toLocaleString('en-US')} (${throughputRatio.toFixed(2)}x)`,
      },
      {
        label: 'calls priced per second, full table, catalog-only model',
        value: `${tFullCatalog.perSecond.toLocaleString('en-US')} (${(tFullCatalog.perSecond / tSmall.perSecond).toFixed(2)}x)`,
      },
    ],
    notes: [
      'The catalog layers are bundled as JSON text and indexed on the first lookup the curated files cannot answer; a curated model never builds that index.',
      'The bundled data is validated at build time (scripts/validate-bundled.mjs), not at load.',
    ],
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const result = await run({ quick: process.argv.includes('--quick'), log: console.error })
  console.log(JSON.stringify(result, null, 2))
}
