/**
 * `createMeter()`: the one entry point of metering. Options are checked here, once; the functions it
 * returns repeat no checks on the hot path.
 */
import { defaultPricingTable, type PricingTable, TokenledgerError } from '@tokenledger/pricing'
// Imported with the meter (the drivers stay lazy): an exit in a process's first second must find it
// loaded, or its records could not be written synchronously.
import { defaultStoreUrl, insertSqliteSync, openStore, parseStoreUrl } from '@tokenledger/store'
import type { LedgerStore, Tags } from '@tokenledger/store'
import { attachBudgets, closeBudgets, type MeterBudgets } from './budget-hook.js'
import { RecordBuilder } from './build-record.js'
import { registerExitFlush, unregisterExitFlush, type Flushable } from './exit-flush.js'
import type { FetchScope, MeterCore } from './meter-core.js'
import { createMeteredFetch, createMeterFetch, type MeteredFetch } from './metered-fetch.js'
import { beginExchange, type ExchangeRequest, type MeteredExchange } from './metered-exchange.js'
import { settleNow } from './settle-now.js'
import { settleTaps } from './tap-sweeper.js'
import { type CallProvider, explicitProvider, ProviderDetector } from './provider-detect.js'
import type { FetchLike } from './read-request.js'
import { type OnMeterError, type QueueStats, RecordQueue, type RecordSink } from './record-queue.js'
import { checkTags, mergeTags, TagScope } from './tags.js'
import { createStderrReporter } from './stderr-reporter.js'
import { implausibleUsage } from './usage-plausibility.js'
import { type WrappableClient, wrapClient } from './wrap-client.js'
import { type CallTelemetryOptions, createCallTelemetry } from './otel/call-telemetry.js'
import { UsageNotices } from './usage-notices.js'

/** Options of `createMeter`. */
export interface MeterOptions {
  /**
   * The ledger: a LedgerStore from `openStore()`, or a store URL (`sqlite:PATH`, a path,
   * `postgres://...`) opened on the first write and closed by `meter.close()`.
   * @default process.env.TOKENLEDGER_DB ?? './tokenledger.db'
   */
  store?: Pick<LedgerStore, 'insert' | 'close'> | string
  /** Tags on every record. @default {} */
  tags?: Tags
  /** The pricing table. @default defaultPricingTable() */
  prices?: PricingTable
  /**
   * Told about every failure of the meter (store unavailable, records dropped...). The call being
   * metered never sees these. @default a line on stderr per kind of failure, at most once a minute
   */
  onError?: OnMeterError
  /** Provider id for calls through `meter.fetch`; detected from each URL when absent. */
  provider?: string
  /** The fetch under `meter.fetch`. @default globalThis.fetch */
  fetch?: FetchLike
  /** Most records kept in memory while the ledger is unavailable; beyond it the oldest go. @default 10000 */
  maxQueue?: number
  /**
   * Most bytes the waiting records may take (estimated: about 2.5 KB per record plus its strings
   * and tags); beyond it the oldest go. @default 33554432 (32 MiB)
   */
  maxQueueBytes?: number
  /** Records per insert transaction. @default 500 */
  batchSize?: number
  /** Longest wait before queued records are written, in ms. @default 200 */
  flushIntervalMs?: number
  /**
   * First retry delay after a failed write, in ms. It doubles up to 10 s while the queue is less
   * than half full, and stays at this value once it is half full, so a short outage under load
   * drops nothing. @default 250
   */
  retryDelayMs?: number
  /**
   * Write queued records when the process ends: on `beforeExit`, SIGINT and SIGTERM, and (SQLite,
   * synchronously) on `exit`, which also covers `process.exit()` and uncaught exceptions.
   * @default true
   */
  flushOnExit?: boolean
  /**
   * SQLite ledgers opened from a URL: how long a write waits for another process's lock. The
   * meter writes such a ledger on a worker thread (`openStore(url, { writeThread: 'worker' })`),
   * so the wait never blocks the application; a store you pass in writes where it was opened to.
   * @default 2000
   */
  busyTimeoutMs?: number
  /**
   * Budgets checked before each call is sent (see @tokenledger/budget): definitions, a budgets
   * configuration, or a guard from `createBudgetGuard()`. A `block` budget the call's worst case
   * would pass makes the metered fetch throw TokenledgerError BUDGET_EXCEEDED, nothing sent.
   * @throws (at createMeter) TokenledgerError BUDGET_INVALID naming a bad definition.
   */
  budgets?: MeterBudgets
  /**
   * OpenTelemetry: each call becomes a GenAI span (child of the span active when it was made) and
   * is counted in the GenAI metrics and a cost counter (see otel/call-telemetry.ts). On whenever
   * `@opentelemetry/api` is installed, with the globally registered providers; give providers
   * here to use others, or `false` to turn it off. Nothing is loaded when the package is absent.
   * @default true
   */
  openTelemetry?: boolean | CallTelemetryOptions
}

/** Options of `meter.wrap()`. */
export interface WrapOptions {
  /** Provider id; wins over detection from the client's base URL. */
  provider?: string
  /** Tags on every call of the wrapped client. */
  tags?: Tags
}

/** Counters of a meter. */
export interface MeterStats extends QueueStats {
  /** Streams being metered right now. */
  streams: number
}

/** A meter: metered fetch, client wrapper, tags, and the write queue's controls. */
export interface Meter {
  /**
   * A metered `fetch`, for any SDK's `fetch` option (Anthropic, Vercel AI, LangChain, Gemini...).
   * The provider is detected from each call's URL; `meter.fetch.withProvider(id)` gives one that
   * records every call under that provider (a gateway, a local URL).
   */
  readonly fetch: MeteredFetch
  /**
   * Meters one call a gateway forwards with its own HTTP client, where no fetch Response exists
   * (`tokenledger proxy` forwards with node:http): send `exchange.body`, then tell it the answer
   * (`answered(status, headers)`) and pass every chunk of the body through the watcher it returns.
   * Same metering, budgets and records as `meter.fetch`. Null when the request is not a metered
   * call: forward it untouched.
   * @throws (the promise) TokenledgerError BUDGET_EXCEEDED before anything may be sent.
   */
  exchange(url: string, request: ExchangeRequest): Promise<MeteredExchange> | null
  /**
   * A copy of an `openai` client whose calls are metered; it behaves exactly like the original.
   * @throws TokenledgerError PRICING_LOOKUP for an unknown provider id, OPTION_INVALID for bad tags.
   */
  wrap<T extends WrappableClient<T>>(client: T, options?: WrapOptions): T
  /** A child meter sharing this meter's queue whose calls carry `tags` too. */
  withTags(tags: Tags): Meter
  /**
   * A child meter sharing this meter's queue whose calls go to `options.provider` (wins over
   * detection from the URL: a provider behind another base URL) and carry `options.tags` too.
   * @throws TokenledgerError for an unknown provider id or bad tags.
   */
  child(options: WrapOptions): Meter
  /** Runs `fn`; every metered call made inside it (awaits included) carries `tags`. */
  runWithTags<R>(tags: Tags, fn: () => R): R
  /**
   * Writes every finished call to the ledger now.
   * @throws TokenledgerError STORE_UNAVAILABLE when the ledger does not take them (they stay queued).
   */
  flush(): Promise<void>
  /**
   * Records streams still running as aborted, flushes and closes the store if the meter opened it.
   * Calls made afterwards still work but are no longer recorded. Children share this.
   */
  close(): Promise<void>
  /**
   * Writes every queued record synchronously and returns how many are left: for code that must
   * call `process.exit()` itself. Only a SQLite ledger can be written this way (the meter also does
   * it from an `exit` handler); with PostgreSQL nothing is written and all queued records are left:
   * `await meter.flush()` before exiting instead. Calls whose response is still being read are not
   * queued yet.
   */
  flushSync(): number
  /** Queue and stream counters. */
  stats(): MeterStats
}

/**
 * Creates a meter.
 * @throws TokenledgerError OPTION_INVALID for a bad option, PRICING_LOOKUP for an unknown provider.
 * @example
 * const meter = createMeter({ store: 'sqlite:./tokenledger.db', tags: { app: 'support-bot' } })
 * const deepseek = meter.wrap(new OpenAI({ baseURL: 'https://api.deepseek.com', apiKey }))
 * await deepseek.chat.completions.create({ model: 'deepseek-v4-flash', messages })
 * await meter.close() // or let the process end: queued records are written on exit
 */
export function createMeter(options: MeterOptions = {}): Meter {
  const settings = checkOptions(options)
  const onError = options.onError ?? createStderrReporter()
  const report = (error: unknown, context: Parameters<OnMeterError>[1]): void => {
    try {
      onError(error instanceof Error ? error : new Error(String(error)), context)
    } catch {
      // An onError that throws must not break the call it reports on.
    }
  }
  const prices = options.prices ?? defaultPricingTable()
  const store = options.store
  const queue = new RecordQueue({
    store: typeof store === 'object' ? store : () => openSink(store, settings.busyTimeoutMs),
    // An exit before the ledger opened: a SQLite file can still be written synchronously.
    openSync: () =>
      typeof store === 'object' || parseStoreUrl(store ?? defaultStoreUrl()).dialect !== 'sqlite'
        ? null
        : {
            insertSync: (records) =>
              insertSqliteSync(store ?? defaultStoreUrl(), records, settings.busyTimeoutMs),
          },
    ownsStore: typeof store !== 'object',
    onError: report,
    maxQueue: settings.maxQueue,
    maxQueueBytes: settings.maxQueueBytes,
    batchSize: settings.batchSize,
    flushIntervalMs: settings.flushIntervalMs,
    backoffMs: settings.retryDelayMs,
    maxBackoffMs: 10_000,
    onBuilt: (record) => {
      const problem = implausibleUsage(prices, record)
      if (problem !== null) {
        report(
          new TokenledgerError(
            'USAGE_IMPLAUSIBLE',
            `call ${record.id}: ${problem}; stored as reported`,
          ),
          { phase: 'record', callId: record.id },
        )
      }
    },
  })
  const core: MeterCore = {
    prices,
    detector: new ProviderDetector(prices, (error) => report(error, { phase: 'record' })),
    builder: new RecordBuilder(prices, report),
    queue,
    scope: new TagScope(),
    baseFetch: options.fetch ?? ((input, init) => globalThis.fetch(input, init)),
    report,
    streams: new Set(),
    reads: new Set(),
    taps: new Map(),
    sweepTimer: null,
    closed: false,
    notices: new UsageNotices((error, callId) => report(error, { phase: 'record', callId })),
    telemetry:
      options.openTelemetry === false
        ? null
        : createCallTelemetry(options.openTelemetry === true ? {} : options.openTelemetry),
  }
  const flushable: Flushable = {
    get pending() {
      return queue.size + core.reads.size + core.taps.size
    },
    flushQuietly: () => flushAll(core).catch(() => {}),
    flushSync: () => flushSync(core),
  }
  if (options.budgets !== undefined) attachBudgets(core, options.budgets, store, prices, report)
  // Opened now, not at the first write, so that an exit soon after the first calls finds it open.
  if (typeof store !== 'object') queue.openSoon()
  if (settings.flushOnExit) registerExitFlush(flushable)
  const defaultProvider =
    options.provider === undefined
      ? undefined
      : explicitProvider(prices, options.provider, 'createMeter({ provider })')
  return makeMeter(
    core,
    { provider: defaultProvider, tags: checkTags(options.tags, 'createMeter({ tags })') },
    () => {
      unregisterExitFlush(flushable)
    },
  )
}

function makeMeter(core: MeterCore, scope: FetchScope, onClose: () => void): Meter {
  const meter: Meter = {
    fetch: createMeterFetch(core, scope),
    exchange: (url, request) => beginExchange(core, scope, url, request),
    wrap<T extends WrappableClient<T>>(client: T, wrapOptions: WrapOptions = {}): T {
      const provider: CallProvider | undefined =
        wrapOptions.provider === undefined
          ? scope.provider
          : explicitProvider(core.prices, wrapOptions.provider, 'meter.wrap(client, { provider })')
      const child: FetchScope = {
        provider,
        tags: mergeTags(scope.tags, checkTags(wrapOptions.tags, 'meter.wrap(client, { tags })')),
      }
      // The openai SDK reads JSON bodies with json() only: the cheapest tap will do.
      return wrapClient(client, core.baseFetch, (underlying) =>
        createMeteredFetch(core, child, underlying, 'json'),
      )
    },
    withTags(tags: Tags): Meter {
      return makeMeter(
        core,
        {
          provider: scope.provider,
          tags: mergeTags(scope.tags, checkTags(tags, 'meter.withTags(tags)')),
        },
        onClose,
      )
    },
    child(childOptions: WrapOptions): Meter {
      const provider: CallProvider | undefined =
        childOptions.provider === undefined
          ? scope.provider
          : explicitProvider(core.prices, childOptions.provider, 'meter.child({ provider })')
      return makeMeter(
        core,
        {
          provider,
          tags: mergeTags(scope.tags, checkTags(childOptions.tags, 'meter.child({ tags })')),
        },
        onClose,
      )
    },
    runWithTags<R>(tags: Tags, fn: () => R): R {
      return core.scope.run(checkTags(tags, 'meter.runWithTags(tags)'), fn)
    },
    flush: () => flushAll(core),
    flushSync: () => flushSync(core),
    async close(): Promise<void> {
      if (core.closed) return
      core.closed = true
      for (const stream of [...core.streams]) stream.abort(new Error('meter closed'))
      try {
        await settleTaps(core)
        await Promise.allSettled([...core.reads])
        if (core.sweepTimer) clearInterval(core.sweepTimer)
        await core.queue.close()
        await closeBudgets(core)
      } finally {
        onClose()
      }
    },
    stats: () => ({ ...core.queue.stats(), streams: core.streams.size }),
  }
  return meter
}

/** Queues what finished calls left for a later turn, then writes everything queued, synchronously. */
function flushSync(core: MeterCore): number {
  settleNow(core)
  return core.queue.flushSync()
}

/** Waits for body reads in progress (their records), then writes everything queued. */
async function flushAll(core: MeterCore): Promise<void> {
  await settleTaps(core)
  while (core.reads.size > 0) await Promise.allSettled([...core.reads])
  await core.queue.flush()
}

async function openSink(url: string | undefined, busyTimeoutMs: number): Promise<RecordSink> {
  // Writes on a worker thread: a locked file or a stalled disk never blocks the application.
  return openStore(url, { busyTimeoutMs, writeThread: 'worker' })
}

interface Settings {
  maxQueue: number
  maxQueueBytes: number
  batchSize: number
  flushIntervalMs: number
  retryDelayMs: number
  flushOnExit: boolean
  busyTimeoutMs: number
}

function checkOptions(options: MeterOptions): Settings {
  if (typeof options !== 'object' || options === null) {
    throw new TokenledgerError(
      'OPTION_INVALID',
      `createMeter(options): expected an object, got ${String(options)}`,
    )
  }
  const store = options.store
  if (
    store !== undefined &&
    typeof store !== 'string' &&
    !(
      typeof store === 'object' &&
      store !== null &&
      typeof store.insert === 'function' &&
      typeof store.close === 'function'
    )
  ) {
    throw new TokenledgerError(
      'OPTION_INVALID',
      'createMeter({ store }): expected a LedgerStore from openStore() or a store URL (sqlite:PATH, a path, postgres://...)',
    )
  }
  if (typeof store === 'string' && store.trim() === '') {
    throw new TokenledgerError(
      'OPTION_INVALID',
      'createMeter({ store }): empty store URL; expected sqlite:PATH, a path or postgres://...',
    )
  }
  // A malformed URL is an input error now, not a ledger that stays unavailable (OPTION_INVALID).
  if (typeof store === 'string') parseStoreUrl(store)
  const otel = options.openTelemetry
  if (
    otel !== undefined &&
    typeof otel !== 'boolean' &&
    (typeof otel !== 'object' || otel === null)
  ) {
    throw new TokenledgerError(
      'OPTION_INVALID',
      `createMeter({ openTelemetry }): expected true, false or { tracerProvider, meterProvider }, got ${String(otel)}`,
    )
  }
  for (const name of ['onError', 'fetch'] as const) {
    if (options[name] !== undefined && typeof options[name] !== 'function') {
      throw new TokenledgerError(
        'OPTION_INVALID',
        `createMeter({ ${name} }): expected a function, got ${typeof options[name]}`,
      )
    }
  }
  if (options.flushOnExit !== undefined && typeof options.flushOnExit !== 'boolean') {
    throw new TokenledgerError(
      'OPTION_INVALID',
      `createMeter({ flushOnExit }): expected true or false, got ${String(options.flushOnExit)}`,
    )
  }
  const prices = options.prices as unknown
  if (
    prices !== undefined &&
    (typeof prices !== 'object' ||
      prices === null ||
      typeof (prices as PricingTable).price !== 'function')
  ) {
    throw new TokenledgerError(
      'OPTION_INVALID',
      'createMeter({ prices }): expected a PricingTable from loadPricingTable()',
    )
  }
  return {
    maxQueue: positiveInteger(options.maxQueue, 'maxQueue', 10_000),
    maxQueueBytes: positiveInteger(options.maxQueueBytes, 'maxQueueBytes', 32 * 1024 * 1024),
    batchSize: positiveInteger(options.batchSize, 'batchSize', 500),
    flushIntervalMs: positiveInteger(options.flushIntervalMs, 'flushIntervalMs', 200, 0),
    retryDelayMs: positiveInteger(options.retryDelayMs, 'retryDelayMs', 250),
    flushOnExit: options.flushOnExit ?? true,
    busyTimeoutMs: positiveInteger(options.busyTimeoutMs, 'busyTimeoutMs', 2000, 0),
  }
}

function positiveInteger(value: unknown, name: string, fallback: number, min = 1): number {
  if (value === undefined) return fallback
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min) {
    throw new TokenledgerError(
      'OPTION_INVALID',
      `createMeter({ ${name} }): expected an integer >= ${min}, got ${String(value)}`,
    )
  }
  return value
}
