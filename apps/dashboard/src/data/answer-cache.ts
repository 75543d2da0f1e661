/**
 * A store in front of the store: answers about whole past hours are remembered for a minute and
 * shared between concurrent requests, so fifty people opening the same overview cost one query.
 *
 * A `summarize` or `timeSeries` whose range reaches into the current hour is split at the start of
 * that hour: the past part comes from the cache (computed once, by the first request that asks;
 * the others wait for the same promise), the current part is read fresh every time, and the two
 * are merged exactly (`mergeSummaryRows`, `mergeSeriesRows`). Calls written into past hours after
 * an answer was cached (a meter flushing late, a reprice) show within `ttlMs`.
 */
import {
  mergeSeriesRows,
  mergeSummaryRows,
  type LedgerQuery,
  type LedgerStore,
  type SeriesQuery,
  type SeriesRow,
  type SummaryRow,
} from '@tokenledger/store'
import { HOUR_MS } from '../period.js'

/** Options of `cachingStore`. */
export interface AnswerCacheOptions {
  /** The clock that says which hours are past. */
  now: () => Date
  /** How long a past answer is kept. @default 60_000 */
  ttlMs?: number
  /** Most answers kept; the oldest goes first. @default 500 */
  maxEntries?: number
}

interface Entry {
  at: number
  answer: Promise<unknown>
}

function keyOf(method: string, query: LedgerQuery): string {
  return JSON.stringify([method, query, query.since?.getTime(), query.until?.getTime()])
}

/** Wraps `store` so that its aggregate answers about past hours are cached (see the module). */
export function cachingStore(store: LedgerStore, options: AnswerCacheOptions): LedgerStore {
  const { now, ttlMs = 60_000, maxEntries = 500 } = options
  const entries = new Map<string, Entry>()

  function remembered<T>(key: string, compute: () => Promise<T>): Promise<T> {
    const at = now().getTime()
    const hit = entries.get(key)
    if (hit && at - hit.at < ttlMs) return hit.answer as Promise<T>
    const answer = compute()
    entries.delete(key)
    entries.set(key, { at, answer })
    // A failed answer is not kept: the next request asks the ledger again.
    answer.catch(() => {
      if (entries.get(key)?.answer === answer) entries.delete(key)
    })
    while (entries.size > maxEntries) entries.delete(entries.keys().next().value!)
    return answer
  }

  /** Splits a query at the current hour: [past, present], either may be null. */
  function split<Q extends LedgerQuery>(query: Q): [Q | null, Q | null] {
    const hour = Math.floor(now().getTime() / HOUR_MS) * HOUR_MS
    const since = query.since?.getTime() ?? -Infinity
    const until = query.until?.getTime() ?? Infinity
    if (until <= hour) return [query, null]
    if (since >= hour) return [null, query]
    return [
      { ...query, until: new Date(hour) },
      { ...query, since: new Date(hour) },
    ]
  }

  // Every other method goes straight to the store (bound: its fields are private).
  return {
    get dialect() {
      return store.dialect
    },
    get readOnly() {
      return store.readOnly
    },
    get db() {
      return store.db
    },
    insert: (records) => store.insert(records),
    listCalls: (query) => store.listCalls(query),
    getCall: (id) => store.getCall(id),
    tagKeys: () => store.tagKeys(),
    tagRollupKeys: () => store.tagRollupKeys(),
    setTagRollupKeys: (keys, options) => store.setTagRollupKeys(keys, options),
    iterateCalls: (query, batchSize) => store.iterateCalls(query, batchSize),
    updateCosts: (updates) => store.updateCosts(updates),
    close: () => store.close(),
    async summarize(query: LedgerQuery): Promise<SummaryRow[]> {
      const [past, present] = split(query)
      const parts = await Promise.all([
        past === null ? [] : remembered(keyOf('summarize', past), () => store.summarize(past)),
        present === null ? [] : store.summarize(present),
      ])
      // Fresh rows: the merge adds into them, and the cached answer must stay as it was.
      const copies = parts
        .filter((rows) => rows.length > 0)
        .map((rows) => rows.map((row) => ({ ...row, group: { ...row.group } })))
      return mergeSummaryRows(copies, query.groupBy ?? [])
    },
    async timeSeries(query: SeriesQuery): Promise<SeriesRow[]> {
      const [past, present] = split(query)
      const parts = await Promise.all([
        past === null ? [] : remembered(keyOf('timeSeries', past), () => store.timeSeries(past)),
        present === null ? [] : store.timeSeries(present),
      ])
      return mergeSeriesRows(parts)
    },
  }
}
