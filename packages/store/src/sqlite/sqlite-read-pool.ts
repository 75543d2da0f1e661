/**
 * A few read threads (sqlite-read-thread.ts) lent out one at a time: a query holds its thread
 * until it is released, so a transaction's statements stay on one connection, and a slow query
 * leaves the others free for everyone else.
 */
import type { ReadWorkerData } from './sqlite-read-protocol.js'
import { SqliteReadThread } from './sqlite-read-thread.js'

export class SqliteReadPool {
  readonly #threads: SqliteReadThread[]
  readonly #idle: SqliteReadThread[]
  readonly #waiting: Array<(thread: SqliteReadThread) => void> = []

  private constructor(threads: SqliteReadThread[]) {
    this.#threads = threads
    this.#idle = [...threads]
  }

  /**
   * Starts `size` threads, each with its own read-only connection; rejects with the first one's
   * reason when the ledger cannot be opened (the others are closed).
   */
  static async start(data: ReadWorkerData, size: number): Promise<SqliteReadPool> {
    const started = await Promise.allSettled(
      Array.from({ length: size }, () => SqliteReadThread.start(data)),
    )
    const threads = started.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []))
    const failed = started.find((s) => s.status === 'rejected')
    if (failed) {
      await Promise.all(threads.map((thread) => thread.close()))
      throw failed.reason
    }
    return new SqliteReadPool(threads)
  }

  /** A thread for the caller alone, as soon as one is free (first come, first served). */
  acquire(): Promise<SqliteReadThread> {
    const thread = this.#idle.pop()
    if (thread) return Promise.resolve(thread)
    return new Promise((resolve) => this.#waiting.push(resolve))
  }

  release(thread: SqliteReadThread): void {
    const next = this.#waiting.shift()
    if (next) next(thread)
    else this.#idle.push(thread)
  }

  /** Ends every thread (a query still running on one fails). */
  async close(): Promise<void> {
    await Promise.all(this.#threads.map((thread) => thread.close()))
  }
}
