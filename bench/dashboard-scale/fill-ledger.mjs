// Fills a ledger through the store's own write path (`store.insert`), streaming batches from the
// store's record factory: realistic calls (several providers for one model, cache reads, reasoning,
// reported costs, unpriced models, errors, aborted streams, tags), never all held in memory.
// `fillInChild` runs the same fill in its own process, so two ledgers can be written at once.
import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { DAY_MS } from '../../packages/pricing/dist/index.js'
import { openStore } from '../../packages/store/dist/index.js'
import { createRecordFactory } from '../../packages/store/dist/testing/index.js'

/**
 * Writes `calls` calls spread evenly over the `days` days that end at `end`, in batches of
 * `batchSize` (one transaction each). Returns the figures of the write.
 */
export async function fillLedger(store, { calls, days = 365, end, seed, batchSize, log }) {
  const start = end.getTime() - days * DAY_MS
  const stepMs = (days * DAY_MS) / calls
  const factory = createRecordFactory({ seed, start: new Date(start), stepMs })
  // The factory's own clock wanders (random gaps); evenly spaced timestamps keep every call
  // inside the days asked for, the last one just before `end`.
  const at = (i) => new Date(start + Math.floor((i + 0.5) * stepMs)).toISOString()
  const t0 = process.hrtime.bigint()
  let written = 0
  let nextReport = 1_000_000
  while (written < calls) {
    const size = Math.min(batchSize, calls - written)
    const batch = new Array(size)
    for (let i = 0; i < size; i++) batch[i] = factory.next({ timestamp: at(written + i) })
    await store.insert(batch)
    written += size
    if (written >= nextReport || written === calls) {
      const seconds = Number(process.hrtime.bigint() - t0) / 1e9
      log(
        `  ${store.dialect}: ${written.toLocaleString('en-US')} calls in ${seconds.toFixed(0)} s (${Math.round(written / seconds).toLocaleString('en-US')}/s)`,
      )
      nextReport += 1_000_000
    }
  }
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9
  return { calls: written, seconds, perSecond: Math.round(written / seconds) }
}

/** Runs `fillLedger` on the store at `url` in a child process; resolves with its figures. */
export function fillInChild({ url, calls, end, seed, batchSize, tagKeys = [], log }) {
  const args = [
    fileURLToPath(import.meta.url),
    url,
    String(calls),
    end.toISOString(),
    String(seed),
    String(batchSize),
    tagKeys.join(','),
  ]
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] })
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (chunk) => (stdout += chunk))
  child.stderr.on('data', (chunk) => {
    stderr += chunk
    for (const line of String(chunk).split('\n')) if (line.trim()) log(line)
  })
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => {
      if (code === 0) resolve(JSON.parse(stdout))
      else reject(new Error(`filling ${url} failed (exit ${code}): ${stderr.slice(-2000)}`))
    })
  })
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [url, calls, end, seed, batchSize, tagKeys] = process.argv.slice(2)
  const store = await openStore(url)
  try {
    // Set before the first call, as a team would: every write keeps these keys' tag rollups
    // (their cost is part of the write rate measured), and there is nothing to backfill.
    if (tagKeys) await store.setTagRollupKeys(tagKeys.split(','))
    const log = (line) => process.stderr.write(`${line}\n`)
    const result = await fillLedger(store, {
      calls: Number(calls),
      end: new Date(end),
      seed: Number(seed),
      batchSize: Number(batchSize),
      log,
    })
    process.stdout.write(JSON.stringify(result))
  } finally {
    await store.close()
  }
}
