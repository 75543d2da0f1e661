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

/** The part of a LedgerStore the queue uses. */
export interface RecordSink {
  insert(records: CallRecord[]): Promise<void>
  close(): Promise<void>
}

/** Where the meter's failures are reported. */
export interface MeterErrorContext {
  /** `open`: opening the store; `write`: a batch insert; `drop`: records dropped beyond the bound;
   * `record`: building a record; `price`: pricing one; `close`: closing the store. */
  phase: 'open' | 'write' | 'drop' | 'record' | 'price' | 'close'
  /** Records concerned (the batch size, or the number dropped). */
  records?: number
  /** The call concerned, when one is. */
  callId?: string
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
  /** Records per insert transaction; a full batch is written at once. */
  batchSize: number
  /** How long a record may wait before its batch is written. */
  flushIntervalMs: number
  /** First retry delay after a failure; doubles up to `maxBackoffMs`. */
  backoffMs: number
  maxBackoffMs: number
  /** Sees every record once, when it is built (before it is written); must not throw. */
  onBuilt?: (record: CallRecord) => void
}

/** Counters, for tests and health checks. */
export interface QueueStats {
  /** Records waiting in memory. */
  queued: number
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
  #items: QueuedCall[] = []
  #head = 0
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
    return { queued: this.size, ...this.#stats }
  }

  /** Queues a call; O(1), never throws, never waits. */
  push(call: QueuedCall): void {
    this.#items.push(call)
    if (this.size > this.#options.maxQueue) {
      this.#head++
      this.#stats.dropped++
      // Reported in aggregate (at most once a second, and on flush): an overflowing queue under
      // load must not cost an Error per call.
      if (this.#unreportedDrops++ === 0)
        setTimeout(() => this.#reportDrops(), DROP_REPORT_MS).unref()
    }
    if (this.#head > 1024 && this.#head * 2 > this.#items.length) this.#compact()
    if (
      this.#timerIsBackoff &&
      this.#filling() &&
      this.#dueAt - Date.now() > this.#options.backoffMs
    ) {
      // A long backoff would let the queue overflow: try again soon instead.
      this.#schedule(this.#options.backoffMs, true)
    }
    if (this.#writing || this.#timerIsBackoff) return
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

  /** Background drain: write batches until empty or a failure, then back off. */
  async #drain(): Promise<void> {
    while (this.size > 0 && !this.#closed) {
      if (this.#writing) {
        await this.#writing
        continue
      }
      const ok = await this.#writeBatch()
      if (!ok) {
        this.#schedule(this.#nextBackoff(), true)
        return
      }
    }
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
      const end = Math.min(this.#head + this.#options.batchSize, this.#items.length)
      const queued = this.#items.slice(this.#head, end)
      const batch: CallRecord[] = []
      for (let i = 0; i < queued.length; i++) {
        let item = queued[i]!
        if (typeof item === 'function') {
          let built: CallRecord | null
          try {
            built = item()
          } catch (error) {
            // A record that cannot be built is reported and left out; the batch goes on.
            this.#options.onError(asError(error), { phase: 'record' })
            this.#stats.failedBuilds++
            continue
          }
          // null: the call turned out not to be one the meter records.
          if (built === null) continue
          this.#options.onBuilt?.(built)
          // Built once: a retried batch reuses the record (same id, so the write stays idempotent).
          this.#items[this.#head + i] = built
          queued[i] = built
          item = built
        }
        batch.push(item)
      }
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
      const written = new Set<QueuedCall>(queued)
      while (this.#head < this.#items.length && written.has(this.#items[this.#head]!)) this.#head++
      this.#stats.written += batch.length - refused
      this.#stats.refused += refused
      this.#backoff = 0
      if (this.#head === this.#items.length) {
        this.#items = []
        this.#head = 0
      }
      return true
    }
    const writing = run().finally(() => {
      if (this.#writing === writing) this.#writing = null
    })
    this.#writing = writing
    return writing
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
        `meter queue: dropped the ${dropped} oldest record(s); the ledger is not taking writes and the queue holds at most ${this.#options.maxQueue} (option maxQueue)`,
      ),
      { phase: 'drop', records: dropped },
    )
  }

  #compact(): void {
    this.#items = this.#items.slice(this.#head)
    this.#head = 0
  }
}

function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error))
}
