/**
 * A SQLite ledger's writes, off the caller's thread: a worker thread owns a second connection to
 * the file and runs every insert batch there. better-sqlite3 is synchronous, so on the caller's
 * thread a lock held by another process (busy_timeout) or a stalled disk froze the whole event
 * loop, and every call of the application with it. Rows are validated and converted here first
 * (errors keep naming the record), then cloned to the worker (bigints and all, exactly), a slice
 * at a time.
 *
 * The worker is unreferenced while idle, so it never keeps a process alive.
 */
import type { ColumnValue } from '../calls/column-codecs.js'
import type { RowSource } from '../store-engine.js'
import type { WriteRequest, WriteWorkerData } from './sqlite-write-protocol.js'
import { WorkerChannel } from './sqlite-worker-channel.js'

/** Longest the caller's event loop converts and clones rows of a batch in one turn. */
const SLICE_MS = 1

export class SqliteWriteThread {
  readonly #channel: WorkerChannel<WriteRequest, { inserted: number }>
  #nextBatch = 1

  private constructor(channel: WorkerChannel<WriteRequest, { inserted: number }>) {
    this.#channel = channel
  }

  /** Starts the thread and waits until it has opened the ledger. */
  static async start(data: WriteWorkerData): Promise<SqliteWriteThread> {
    return new SqliteWriteThread(await WorkerChannel.start('sqlite-write-worker', 'write', data))
  }

  /**
   * Validates and converts the rows (a bad one throws, naming its record, and nothing is written),
   * then inserts them in one transaction on the thread; resolves to how many were new.
   *
   * Converting and cloning a batch of hundreds of rows held the caller's event loop for several
   * milliseconds at every flush (a proxy's requests stalled behind it every 200 ms), so both run
   * in slices of at most SLICE_MS, each slice's rows sent as a part of the batch, with the rest of
   * the application's work in between.
   */
  async insert(rows: RowSource): Promise<number> {
    const batch = this.#nextBatch++
    let part: ColumnValue[][] = []
    try {
      let until = performance.now() + SLICE_MS
      for (let i = 0; i < rows.length; i++) {
        part.push(rows.rowAt(i).values)
        // The clock is read every few rows (each takes some microseconds).
        if (i % 8 === 7 && i + 1 < rows.length && performance.now() >= until) {
          this.#channel.post({ kind: 'rows', batch, rows: part })
          part = []
          await new Promise<void>((resolve) => setImmediate(resolve))
          until = performance.now() + SLICE_MS
        }
      }
    } catch (error) {
      this.#channel.post({ kind: 'drop', batch })
      throw error
    }
    const last = part
    const reply = await this.#channel.request((id) => ({ kind: 'insert', id, batch, rows: last }))
    return reply.inserted
  }

  /** Closes the thread's connection and ends it. */
  close(): Promise<void> {
    return this.#channel.close({ kind: 'close' })
  }
}
