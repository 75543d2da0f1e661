/**
 * A SQLite ledger's writes, off the caller's thread: a worker thread owns a second connection to
 * the file and runs every insert batch there. better-sqlite3 is synchronous, so on the caller's
 * thread a lock held by another process (busy_timeout) or a stalled disk froze the whole event
 * loop, and every call of the application with it. Rows are validated and converted here first
 * (errors keep naming the record), then cloned to the worker (bigints and all, exactly).
 *
 * The worker is unreferenced while idle, so it never keeps a process alive.
 */
import type { CallRow } from '../calls/row-from-record.js'
import type { WriteRequest, WriteWorkerData } from './sqlite-write-protocol.js'
import { WorkerChannel } from './sqlite-worker-channel.js'

export class SqliteWriteThread {
  readonly #channel: WorkerChannel<WriteRequest, { inserted: number }>

  private constructor(channel: WorkerChannel<WriteRequest, { inserted: number }>) {
    this.#channel = channel
  }

  /** Starts the thread and waits until it has opened the ledger. */
  static async start(data: WriteWorkerData): Promise<SqliteWriteThread> {
    return new SqliteWriteThread(await WorkerChannel.start('sqlite-write-worker', 'write', data))
  }

  /** Inserts converted rows in one transaction on the thread; resolves to how many were new. */
  async insert(rows: CallRow[]): Promise<number> {
    const values = rows.map((row) => row.values)
    const reply = await this.#channel.request((id) => ({ kind: 'insert', id, rows: values }))
    return reply.inserted
  }

  /** Closes the thread's connection and ends it. */
  close(): Promise<void> {
    return this.#channel.close({ kind: 'close' })
  }
}
