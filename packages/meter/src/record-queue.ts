/**
 * The meter's write path, off the caller's path: records wait in a bounded in-memory queue and are
 * written in batches (one `store.insert` transaction each) on a short timer or as soon as a batch
 * fills up. A failed write keeps the records, tells `onError`, and retries with exponential backoff,
 * so a locked, read-only or missing ledger never costs a record while the queue has room. Beyond
 * the bound the OLDEST records are dropped and the count is reported through `onError`.
 *
 * The store may be given as an instance or opened lazily from a URL on the first write; a store
 * that fails to open is retried like a failed write.
 */
import { isTokenledgerError, TokenledgerError } from '@tokenledger/pricing'
import type { CallRecord } from '@tokenledger/store'

/**
 * A queued call: its record, or a function that builds it. Records are built when their batch is
 * written, so normalising and pricing happen in the background batch, never on the caller's path.
 */
export type QueuedCall = CallRecord | (() => CallRecord | null)

/** A queue slot whose call built to nothing (not a recorded call, or a build that failed). */
const SKIPPED: unique symbol = Symbol('skipped')
type Slot = QueuedCall | typeof SKIPPED

/** The part of a LedgerStore the queue uses. */
export interface RecordSink {
  insert(records: CallRecord[]): Promise<void>
  /** A synchronous insert, where the ledger has one (SQLite): what flushSync() writes with. */
  readonly insertSync?: ((records: CallRecord[]) => void) | undefined
  close(): Promise<void>
}

/** Where the meter's failures are reported. */
export interface MeterErrorContext {
  /** `open`: opening the store; `write`: a batch insert; `drop`: records dropped beyond the bound;
   * `record`: building a record; `price`: pricing one; `close`: closing the store. */
  phase: 'open' | 'write' | 'drop' | 'record' | 'price' | 'close' | 'budget'
  /** Records concerned (the batch size, or the number dropped). */
  records?: number
  /** The call concerned, when one is. */
  callId?: string
  /** `budget`: the budget concerned (a warn budget passed, a call sent unchecked). */
  budget?: string
  /**
   * The record the ledger refused (phase `record`, RECORD_INVALID): it is not retried, so keep it
   * elsewhere if it matters (a dead-letter file, a log).
   */
  record?: CallRecord
}

/** The meter's error callback. */
export type OnMeterError = (error: TokenledgerError | Error, context: MeterErrorContext) => void

/** Options of a RecordQueue. */
export interface RecordQueueOptions {
  /** A store, or a function opening one on the first write. */
  store: RecordSink | (() => Promise<RecordSink>)
  /** Close the store on `close()` (true when the queue opened it). */
  ownsStore: boolean
  onError: OnMeterError
  /** Most records held in memory while the store is unavailable. */
  maxQueue: number
  /** Most bytes (estimated, see recordBytes) they may take. */
  maxQueueBytes: number
  /** Records per insert transaction; a full batch is written at once. */
  batchSize: number
  /** How long a record may wait before its batch is written. */
  flushIntervalMs: number
  /** First retry delay after a failure; doubles up to `maxBackoffMs`. */
  backoffMs: number
  maxBackoffMs: number
  /**
   * For flushSync() before the store is open: a sink that can only write synchronously (opened on
   * the spot), or null when there is none for this store.
   */
  openSync?: () => Pick<RecordSink, 'insertSync'> | null
  /** Sees every record once, when it is built (before it is written); must not throw. */
  onBuilt?: (record: CallRecord) => void
}

/** Counters, for tests and health checks. */
export interface QueueStats {
  /** Records waiting in memory. */
  queued: number
  /** Their estimated size in bytes (see recordBytes). */
  queuedBytes: number
  /** Records written since the queue started. */
  written: number
  /** Records dropped beyond the bound. */
  dropped: number
  /** Failed open or write attempts. */
  failures: number
  /** Calls whose record could not be built (each reported to onError). */
  failedBuilds: number
  /** Records the ledger refused as malformed (RECORD_INVALID; each reported to onError). */
  refused: number
}

/** How long drops are counted before they are reported together. */
const DROP_REPORT_MS = 1000

/** A bounded, batching, retrying queue of call records. */
export class RecordQueue {
  readonly #options: RecordQueueOptions
  #items: Slot[] = []
  /** Estimated bytes of each slot of #items. */
  #sizes: number[] = []
  #bytes = 0
  #head = 0
  #reducing = false
  /** The next slot #reduceSoon builds. */
  #reduceNext = 0
  #sink: RecordSink | null
  #opening: Promise<RecordSink> | null = null
  #writing: Promise<boolean> | null = null
  #timer: NodeJS.Timeout | null = null
  #timerIsBackoff = false
  /** When the timer fires (Date.now() ms). */
  #dueAt = 0
  #backoff = 0
  #unreportedDrops = 0
  #closed = false
  readonly #stats = { written: 0, dropped: 0, failures: 0, failedBuilds: 0, refused: 0 }

  constructor(options: RecordQueueOptions) {
    this.#options = options
    this.#sink = typeof options.store === 'function' ? null : options.store
  }

  /** Records waiting to be written. */
  get size(): number {
    return this.#items.length - this.#head
  }

  /** A snapshot of the counters. */
  stats(): QueueStats {
    return { queued: this.size, queuedBytes: this.#bytes, ...this.#stats }
  }

  /**
   * Queues a call; O(1), never throws, never waits.
   * @param keptBytes what a call waiting to be built keeps beyond PENDING_CALL_BYTES until then
   *   (a stream's body, parsed when its record is built)
   */
  push(call: QueuedCall, keptBytes = 0): void {
    const size = typeof call === 'function' ? PENDING_CALL_BYTES + keptBytes : recordBytes(call)
    this.#items.push(call)
    this.#sizes.push(size)
    this.#bytes += size
    while (
      this.size > this.#options.maxQueue ||
      (this.#bytes > this.#options.maxQueueBytes && this.size > 1)
    ) {
      this.#dropOldest()
    }
    if (this.#head > 1024 && this.#head * 2 > this.#items.length) this.#compact()
    // While the ledger is down, calls are built at once (in the background): a built record keeps
    // its counts, not the request and response it was read from.
    if (this.#timerIsBackoff && typeof call === 'function') this.#reduceSoon()
    if (
      this.#timerIsBackoff &&
      this.#filling() &&
      this.#dueAt - Date.now() > this.#options.backoffMs
    ) {
      // A long backoff would let the queue overflow: try again soon instead.
      this.#schedule(this.#options.backoffMs, true)
    }
    if (this.#writing || this.#timerIsBackoff) return
    this.#scheduleWrite()
  }

  /** When what is queued is written: a full batch at once, anything less when the timer fires. */
  #scheduleWrite(): void {
    if (this.size >= this.#options.batchSize) this.#schedule(0)
    else if (!this.#timer) this.#schedule(this.#options.flushIntervalMs)
  }

  /**
   * Writes every queued record now (retrying nothing: one attempt per batch).
   * @throws TokenledgerError STORE_UNAVAILABLE when the store cannot take them; they stay queued
   *   and the background retries go on.
   */
  async flush(): Promise<void> {
    this.#reportDrops()
    this.#clearTimer()
    for (;;) {
      if (this.#writing) await this.#writing
      if (this.size === 0) return
      const ok = await this.#writeBatch()
      if (!ok) {
        const left = this.size
        this.#schedule(this.#nextBackoff(), true)
        throw new TokenledgerError(
          'STORE_UNAVAILABLE',
          `meter flush: ${left} record(s) could not be written to the ledger; they stay queued and are retried`,
          { cause: this.#lastError },
        )
      }
    }
  }

  /**
   * Writes every queued record synchronously, for a process's `exit` handler, where no promise
   * settles any more. Only a ledger with a synchronous insert (SQLite) can take them, and only
   * once it is open; a batch that fails stops the write and is reported.
   * @returns how many records are still queued (0 when all were written).
   */
  flushSync(): number {
    if (this.#closed || this.size === 0) return this.size
    const sink = this.#sink ?? this.#options.openSync?.() ?? null
    if (!sink?.insertSync) return this.size
    this.#reportDrops()
    while (this.size > 0) {
      const end = Math.min(this.#head + this.#options.batchSize, this.#items.length)
      const batch: CallRecord[] = []
      for (let i = this.#head; i < end; i++) {
        const record = this.#buildAt(i)
        if (record !== null) batch.push(record)
      }
      let refused = 0
      try {
        if (batch.length > 0) sink.insertSync(batch)
      } catch (error) {
        if (!isTokenledgerError(error, 'RECORD_INVALID')) {
          this.#fail(error, 'write', batch.length)
          return this.size
        }
        for (const record of batch) {
          try {
            sink.insertSync([record])
          } catch (single) {
            refused++
            this.#options.onError(asError(single), {
              phase: 'record',
              records: 1,
              callId: record.id,
              record,
            })
          }
        }
      }
      for (let i = this.#head; i < end; i++) this.#bytes -= this.#sizes[i]!
      this.#head = end
      this.#stats.written += batch.length - refused
      this.#stats.refused += refused
    }
    this.#empty()
    return 0
  }

  /**
   * Starts opening the store now instead of at the first write, so records queued early in a
   * process's life can be written synchronously if it exits (flushSync). A failure is reported
   * and retried with the next write.
   */
  openSoon(): void {
    if (this.#sink || this.#opening) return
    void this.#openSink()
  }

  /** Flushes, stops the timers and closes the store if the queue opened it. */
  async close(): Promise<void> {
    try {
      await this.flush()
    } finally {
      this.#closed = true
      this.#clearTimer()
      if (this.#options.ownsStore && this.#sink) {
        try {
          await this.#sink.close()
        } catch (error) {
          this.#options.onError(asError(error), { phase: 'close' })
        }
      }
    }
  }

  #lastError: unknown = undefined

  #schedule(delay: number, backoff = false): void {
    if (this.#closed) return
    this.#clearTimer()
    this.#timerIsBackoff = backoff
    this.#dueAt = Date.now() + delay
    this.#timer = setTimeout(() => {
      this.#timer = null
      this.#timerIsBackoff = false
      void this.#drain()
    }, delay)
    // The meter must never keep a process alive; exit-flush writes what is left.
    this.#timer.unref()
  }

  #clearTimer(): void {
    if (this.#timer) clearTimeout(this.#timer)
    this.#timer = null
    this.#timerIsBackoff = false
  }

  #dropOldest(): void {
    this.#bytes -= this.#sizes[this.#head]!
    this.#head++
    this.#stats.dropped++
    // Reported in aggregate (at most once a second, and on flush): an overflowing queue under
    // load must not cost an Error per call.
    if (this.#unreportedDrops++ === 0) setTimeout(() => this.#reportDrops(), DROP_REPORT_MS).unref()
  }

  /**
   * The record in slot `index`, building it first if it is still a function (once: the slot then
   * holds the record, or SKIPPED); null for a slot with nothing to write.
   */
  #buildAt(index: number): CallRecord | null {
    const item = this.#items[index]!
    if (item === SKIPPED) return null
    if (typeof item !== 'function') return item
    let built: CallRecord | null = null
    try {
      built = item()
    } catch (error) {
      // A record that cannot be built is reported and left out; the batch goes on.
      this.#options.onError(asError(error), { phase: 'record' })
      this.#stats.failedBuilds++
    }
    // null: the call turned out not to be one the meter records.
    const size = built === null ? 0 : recordBytes(built)
    this.#bytes += size - this.#sizes[index]!
    this.#sizes[index] = size
    this.#items[index] = built ?? SKIPPED
    if (built !== null) this.#options.onBuilt?.(built)
    return built
  }

  /**
   * Builds every queued call soon after a failed write, in turns of the event loop of at most
   * BUILD_SLICE_MS so the application is never held up: the records wait for the ledger as
   * counts, never as prompts.
   */
  #reduceSoon(): void {
    if (this.#reducing) return
    this.#reducing = true
    const step = () => {
      const next = this.#buildFor(Math.max(this.#reduceNext, this.#head), this.#items.length)
      this.#reduceNext = next
      if (next < this.#items.length) setImmediate(step)
      else this.#reducing = false
    }
    setImmediate(step)
  }

  /**
   * Background drain: writes one batch (after any write under way), then schedules the next by the
   * same rule as push(): calls that came in during the write wait for the timer unless they fill a
   * batch, so steady traffic is written a few times a second in large batches rather than one small
   * transaction after another. A failure backs off.
   */
  async #drain(): Promise<void> {
    while (this.#writing) await this.#writing
    if (this.size === 0 || this.#closed) return
    if (!(await this.#writeBatch())) this.#schedule(this.#nextBackoff(), true)
    else if (this.size > 0) this.#scheduleWrite()
  }

  /**
   * Writes one batch; true on success. Only one write runs at a time: a write asked for while
   * another runs (flush() and the background drain both waking when it ends) waits for it and
   * then takes the next batch, instead of writing the same records a second time.
   */
  #writeBatch(): Promise<boolean> {
    const previous = this.#writing
    const run = async (): Promise<boolean> => {
      if (previous) await previous
      if (this.size === 0) return true
      const sink = await this.#openSink()
      if (!sink) return false
      await this.#buildNextBatch()
      const end = Math.min(this.#head + this.#options.batchSize, this.#items.length)
      const batch: CallRecord[] = []
      // Built once: a retried batch reuses the record (same id, so the write stays idempotent).
      for (let i = this.#head; i < end; i++) {
        const record = this.#buildAt(i)
        if (record !== null) batch.push(record)
      }
      const queued = this.#items.slice(this.#head, end)
      let refused = 0
      try {
        if (batch.length > 0) await sink.insert(batch)
      } catch (error) {
        if (!isTokenledgerError(error, 'RECORD_INVALID')) {
          this.#fail(error, 'write', batch.length)
          return false
        }
        // One malformed record must not hold the queue hostage: write the batch record by record
        // (inserts are idempotent on id) and report each record the ledger refuses.
        for (const record of batch) {
          try {
            await sink.insert([record])
          } catch (single) {
            if (!isTokenledgerError(single, 'RECORD_INVALID')) {
              this.#fail(single, 'write', batch.length)
              return false
            }
            refused++
            this.#options.onError(asError(single), {
              phase: 'record',
              records: 1,
              callId: record.id,
              record,
            })
          }
        }
      }
      // Drops may have moved the head meanwhile: only remove what is still queued of this batch.
      const written = new Set<Slot>(queued)
      while (this.#head < this.#items.length && written.has(this.#items[this.#head]!)) {
        this.#bytes -= this.#sizes[this.#head]!
        this.#head++
      }
      this.#stats.written += batch.length - refused
      this.#stats.refused += refused
      this.#backoff = 0
      if (this.#head === this.#items.length) this.#empty()
      return true
    }
    const writing = run().finally(() => {
      if (this.#writing === writing) this.#writing = null
    })
    this.#writing = writing
    return writing
  }

  /**
   * Builds the calls of the next batch for at most BUILD_SLICE_MS per turn of the event loop: a
   * batch of 500 built at once held the application's event loop for milliseconds (its requests
   * waited behind it); a slice of time, not of calls, so building keeps up with any call rate.
   * Drops may move the head between turns: each turn looks at the batch as it is then.
   */
  async #buildNextBatch(): Promise<void> {
    for (;;) {
      const end = Math.min(this.#head + this.#options.batchSize, this.#items.length)
      if (this.#buildFor(this.#head, end) === end) return
      await new Promise<void>((resolve) => setImmediate(resolve))
    }
  }

  /**
   * Builds the calls of slots [from, end) for at most BUILD_SLICE_MS; returns the slot it stopped
   * at (`end` once all are built).
   */
  #buildFor(from: number, end: number): number {
    const until = performance.now() + BUILD_SLICE_MS
    let built = 0
    for (let i = from; i < end; i++) {
      if (typeof this.#items[i] !== 'function') continue
      // The clock is read every few builds (each takes tens of microseconds).
      if (built % 8 === 7 && performance.now() >= until) return i
      this.#buildAt(i)
      built++
    }
    return end
  }

  async #openSink(): Promise<RecordSink | null> {
    if (this.#sink) return this.#sink
    const open = this.#options.store as () => Promise<RecordSink>
    this.#opening ??= open()
    try {
      this.#sink = await this.#opening
      return this.#sink
    } catch (error) {
      this.#fail(error, 'open', this.size)
      return null
    } finally {
      this.#opening = null
    }
  }

  #fail(error: unknown, phase: 'open' | 'write', records: number): void {
    this.#reduceSoon()
    this.#stats.failures++
    this.#lastError = error
    this.#options.onError(asError(error), { phase, records })
  }

  /** At least half full: the backoff must not outlast the room that is left. */
  #filling(): boolean {
    return this.size * 2 >= this.#options.maxQueue
  }

  /**
   * The next retry delay: doubling from `backoffMs` up to `maxBackoffMs` while the queue has room,
   * but `backoffMs` once it is half full, so a short outage under load costs no records.
   */
  #nextBackoff(): number {
    if (this.#filling()) return this.#options.backoffMs
    this.#backoff =
      this.#backoff === 0
        ? this.#options.backoffMs
        : Math.min(this.#backoff * 2, this.#options.maxBackoffMs)
    return this.#backoff
  }

  #reportDrops(): void {
    const dropped = this.#unreportedDrops
    this.#unreportedDrops = 0
    if (dropped === 0) return
    this.#options.onError(
      new TokenledgerError(
        'STORE_UNAVAILABLE',
        `meter queue: dropped the ${dropped} oldest record(s); the ledger is not taking writes and the queue holds at most ${this.#options.maxQueue} records and ${this.#options.maxQueueBytes} bytes (options maxQueue, maxQueueBytes)`,
      ),
      { phase: 'drop', records: dropped },
    )
  }

  /** Every slot has been written: start the arrays (and the background builder's cursor) afresh. */
  #empty(): void {
    this.#items = []
    this.#sizes = []
    this.#bytes = 0
    this.#head = 0
    this.#reduceNext = 0
  }

  #compact(): void {
    this.#reduceNext = Math.max(0, this.#reduceNext - this.#head)
    this.#items = this.#items.slice(this.#head)
    this.#sizes = this.#sizes.slice(this.#head)
    this.#head = 0
  }
}

/**
 * What a call waiting to be built is taken to hold: its request body and response facts, unknown
 * to the queue. Such calls are built within a turn of the event loop once writes fail
 * (#reduceSoon), so the estimate only has to hold for moments.
 */
const PENDING_CALL_BYTES = 2_048

/** Longest record building holds the event loop in one turn (a write's, or #reduceSoon's). */
const BUILD_SLICE_MS = 1

/**
 * Estimated heap bytes of a built record waiting in the queue: a fixed part for its objects,
 * numbers and queue slot, plus its strings at one byte per character. A typical record is then
 * about 2.7 KB; test/ledger-fault-queue-memory.test.ts measured 3.0 KB of heap per queued record.
 */
export function recordBytes(record: CallRecord): number {
  let bytes = 2_560
  for (const text of [
    record.id,
    record.provider,
    record.requestedModel,
    record.servedModel,
    record.model,
    record.upstreamProvider,
    record.endpoint,
    record.errorType,
    record.card,
    record.requestId,
    record.serviceTier,
  ]) {
    if (typeof text === 'string') bytes += text.length
  }
  for (const [key, value] of Object.entries(record.tags ?? {}))
    bytes += 64 + key.length + value.length
  return bytes
}

function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error))
}
