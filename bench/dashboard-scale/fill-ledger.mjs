// Fills a ledger through the store's own write path (`store.insert`), streaming batches from the
// store's record factory: realistic calls (several providers for one model, cache reads, reasoning,
// reported costs, unpriced models, errors, aborted streams, tags), never all held in memory.
import { createRecordFactory } from '../../packages/store/dist/testing/index.js'

const DAY_MS = 86_400_000

/**
 * Writes `calls` calls spread evenly over the `days` days that end at `end`, in batches of
 * `batchSize` (one transaction each). Returns the figures of the write.
 */
export async function fillLedger(store, { calls, days = 365, end, seed, batchSize = 20_000, log }) {
  const start = end.getTime() - days * DAY_MS
  const stepMs = (days * DAY_MS) / calls
  const factory = createRecordFactory({ seed, start: new Date(start), stepMs })
  // The factory's own clock wanders (random gaps); evenly spaced timestamps keep every call
  // inside the days asked for, the last one just before `end`.
  const at = (i) => new Date(start + Math.floor((i + 0.5) * stepMs)).toISOString()
  const t0 = process.hrtime.bigint()
  let written = 0
  let nextReport = 1_000_000
  let lastTs = null
  while (written < calls) {
    const size = Math.min(batchSize, calls - written)
    const batch = new Array(size)
    for (let i = 0; i < size; i++) batch[i] = factory.next({ timestamp: at(written + i) })
    await store.insert(batch)
    written += batch.length
    lastTs = batch[batch.length - 1].timestamp
    if (written >= nextReport || written === calls) {
      const seconds = Number(process.hrtime.bigint() - t0) / 1e9
      log(`  ${store.dialect}: ${written.toLocaleString('en-US')} calls in ${seconds.toFixed(0)} s (${Math.round(written / seconds).toLocaleString('en-US')}/s)`)
      nextReport += 1_000_000
    }
  }
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9
  return { calls: written, seconds, perSecond: Math.round(written / seconds), first: new Date(start).toISOString(), last: lastTs }
}
