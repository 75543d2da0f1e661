/**
 * Which reads of a read-thread ledger run on the caller's thread instead. A trip to a read thread
 * costs about as much as a small query itself (two thread wake-ups), so the dashboard's cheapest
 * answers (a calls page, a breakdown from the rollups) were slower on threads than inline. A query
 * runs inline only when the very same statement with the very same parameters last ran in under
 * INLINE_MS: a query never seen, or seen slow, goes to a thread, and one that turns out slower
 * inline goes back to the threads from then on. So the event loop waits at most about INLINE_MS
 * for a read (once more than that when the ledger grew past it); a slow query never blocks it.
 */
import type { SqliteDatabase } from './sqlite-connection.js'
import type { ReadResult } from './sqlite-read-protocol.js'
import { withStatementCache } from './sqlite-statement-cache.js'

/** A read at or under this long (on a thread, or inline) may run inline next time. */
export const INLINE_MS = 2
/** How many fast statements (with their parameters) are remembered. */
const REMEMBERED = 512

export class InlineReads {
  readonly #statements: ReturnType<typeof withStatementCache>
  /** Keys of reads that last ran fast, least recently used first. */
  readonly #fast = new Map<string, true>()

  constructor(db: SqliteDatabase) {
    this.#statements = withStatementCache(db)
  }

  /** The key of a statement with its parameters (bigints and strings kept apart from numbers). */
  static keyOf(sql: string, parameters: readonly unknown[]): string {
    let key = sql
    for (const value of parameters) key += `\u0000${typeof value}:${String(value)}`
    return key
  }

  /**
   * Runs the read inline when it last ran fast; null when it must go to a thread (never seen, last
   * slow, or it failed here: the thread will report the error as usual).
   */
  tryRun(key: string, sql: string, parameters: readonly unknown[]): ReadResult | null {
    if (!this.#fast.has(key)) return null
    const started = performance.now()
    let rows: unknown[]
    try {
      // Only reads are remembered (see noteTime's caller), so this statement returns rows.
      rows = this.#statements.prepare(sql).all(parameters)
    } catch {
      this.#fast.delete(key)
      return null
    }
    this.noteTime(key, performance.now() - started)
    return { rows }
  }

  /** Records how long a read took (on a thread or here). */
  noteTime(key: string, ms: number): void {
    this.#fast.delete(key)
    if (ms > INLINE_MS) return
    this.#fast.set(key, true)
    if (this.#fast.size > REMEMBERED) this.#fast.delete(this.#fast.keys().next().value!)
  }

  close(): void {
    this.#statements.close()
  }
}
