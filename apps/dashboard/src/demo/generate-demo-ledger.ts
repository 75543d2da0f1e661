/**
 * Fills a ledger with realistic synthetic traffic for the demo: about 90 days of calls with a
 * weekly rhythm, growth, one runaway-agent incident, cache hits, reasoning, errors, aborted
 * streams, unpriced calls and a few tags. Deterministic for a seed and end date, priced with the
 * real pricing table, written through the real store (`store.insert`, in batches).
 * @module
 */
import {
  defaultPricingTable,
  picoFromUsd,
  usdFromPico,
  type PricingTable,
  TokenledgerError,
  type Usd,
} from '@tokenledger/pricing'
import type { CallRecord, LedgerStore } from '@tokenledger/store'
import { DAY_MS, HOUR_MS, startOfUtcDay } from '../period.js'
import { makeDemoCall } from './make-demo-call.js'
import { SeededRandom } from '@tokenledger/store/testing'
import { FEATURES, HOURLY, ROUTES, WEEKEND_FACTOR } from './traffic.js'

/** Bumped whenever the generator's output changes, so `pnpm start` rebuilds an old demo ledger. */
export const DEMO_VERSION = 4

/** Options of `generateDemoLedger`. */
export interface DemoLedgerOptions {
  /** A writable store (not read-only). */
  store: LedgerStore
  /** The last instant of traffic; days are whole UTC days ending with the day that holds it. @default new Date() */
  end?: Date
  /** @default 90 */
  days?: number
  /** Average calls per day. @default 2500 */
  callsPerDay?: number
  /** @default 42 */
  seed?: number
  /** @default defaultPricingTable() */
  pricing?: PricingTable
  /** Records per `store.insert`. @default 5000 */
  batchSize?: number
  /** Called after each batch is written. */
  onProgress?: (written: number, day: number, days: number) => void
}

/** What was written. */
export interface DemoLedgerSummary {
  calls: number
  /** First and last call times. */
  first: string
  last: string
  /** Sum of the computed cost of the priced calls. */
  cost: Usd
  unpricedCalls: number
  /** The id of the first call: present in the ledger exactly when this version and seed wrote it. */
  canaryId: string
}

/** The id the generator gives its first call, so a caller can tell whether a ledger is its own. */
export function demoCanaryId(seed: number): string {
  return new SeededRandom(seed * 7919 + DEMO_VERSION).uuid()
}

/**
 * Writes the demo traffic into `store`.
 * @throws TokenledgerError OPTION_INVALID for bad options; whatever `store.insert` throws
 * @example
 * const store = await openStore('sqlite:./demo-ledger.db')
 * const summary = await generateDemoLedger({ store, days: 90 })
 */
export async function generateDemoLedger(options: DemoLedgerOptions): Promise<DemoLedgerSummary> {
  const { store, days = 90, callsPerDay = 2500, seed = 42, batchSize = 5000 } = options
  const end = options.end ?? new Date()
  if (!Number.isInteger(days) || days < 1 || days > 3660)
    throw new TokenledgerError(
      'OPTION_INVALID',
      `generateDemoLedger: option days: expected 1..3660, got ${days}`,
    )
  if (!Number.isFinite(callsPerDay) || callsPerDay < 1)
    throw new TokenledgerError(
      'OPTION_INVALID',
      `generateDemoLedger: option callsPerDay: expected at least 1, got ${callsPerDay}`,
    )
  if (!Number.isInteger(batchSize) || batchSize < 1)
    throw new TokenledgerError(
      'OPTION_INVALID',
      `generateDemoLedger: option batchSize: expected a positive integer, got ${batchSize}`,
    )
  if (Number.isNaN(end.getTime()))
    throw new TokenledgerError(
      'OPTION_INVALID',
      'generateDemoLedger: option end: expected a valid Date',
    )
  const table = options.pricing ?? defaultPricingTable()
  const rng = new SeededRandom(seed)
  const firstDay = startOfUtcDay(end).getTime() - (days - 1) * DAY_MS
  // The runaway agent: three weeks before the end, an agent loop hammered V4 Pro for a day.
  const incidentDay = Math.max(0, days - 19)
  const hourWeights = HOURLY.map((weight, hour) => ({ hour, weight }))
  const agent = FEATURES.find((f) => f.name === 'agent')!
  const pro = ROUTES.find(
    (r) => r.provider === 'deepseek' && r.requestedModel === 'deepseek-v4-pro',
  )!

  let pending: CallRecord[] = []
  let written = 0
  let costPico = 0n
  let unpriced = 0
  let first = ''
  let last = ''
  let canaryUsed = false

  const flush = async (day: number) => {
    if (pending.length === 0) return
    await store.insert(pending)
    written += pending.length
    pending = []
    options.onProgress?.(written, day, days)
  }

  for (let day = 0; day < days; day++) {
    const dayStart = firstDay + day * DAY_MS
    const weekday = new Date(dayStart).getUTCDay()
    const weekend = weekday === 0 || weekday === 6
    const growth = 0.75 + (0.45 * day) / Math.max(1, days - 1)
    // Normalised so the average over the period is about `callsPerDay`.
    const volume = Math.max(
      1,
      Math.round(
        (callsPerDay / 0.85) * (weekend ? WEEKEND_FACTOR : 1) * growth * (1 + 0.08 * rng.normal()),
      ),
    )
    const incident = day === incidentDay ? Math.round(volume * 0.35) : 0
    const dayCalls: CallRecord[] = []
    for (let i = 0; i < volume + incident; i++) {
      const hour = rng.weighted(hourWeights, (h) => h.weight).hour
      const at = new Date(dayStart + hour * HOUR_MS + Math.floor(rng.next() * HOUR_MS))
      const isIncident = i >= volume
      const route = isIncident ? pro : rng.weighted(ROUTES, (r) => r.weight)
      const feature = isIncident ? agent : rng.weighted(FEATURES, (f) => f.weight)
      const env = rng.chance(0.88) ? 'production' : 'staging'
      // Draw the id before deciding to keep the call, so the random stream does not depend on `end`'s time of day.
      const id = canaryUsed ? rng.uuid() : demoCanaryId(seed)
      if (at.getTime() > end.getTime()) continue
      canaryUsed = true
      dayCalls.push(makeDemoCall(rng, table, id, at, route, feature, env))
    }
    dayCalls.sort((a, b) => (a.timestamp < b.timestamp ? -1 : a.timestamp > b.timestamp ? 1 : 0))
    for (const call of dayCalls) {
      if (call.cost === null) unpriced++
      else costPico += picoFromUsd(call.cost)
      if (first === '' || call.timestamp < first) first = call.timestamp
      if (call.timestamp > last) last = call.timestamp
      pending.push(call)
      if (pending.length >= batchSize) await flush(day)
    }
  }
  await flush(days - 1)
  return {
    calls: written,
    first,
    last,
    cost: usdFromPico(costPico),
    unpricedCalls: unpriced,
    canaryId: demoCanaryId(seed),
  }
}
