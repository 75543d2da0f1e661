/**
 * One read-only connection to a SQLite ledger on its own worker thread. better-sqlite3 is
 * synchronous: on the caller's thread a 10-year tag-filtered query held the event loop for its
 * whole duration, and every other request of a dashboard waited for it. Here the query runs on the
 * worker; the caller's thread only sends the compiled SQL and receives the rows (structured clone:
 * numbers, strings, bigints and buffers arrive as they were read).
 */
import type { ReadReply, ReadRequest, ReadResult, ReadWorkerData } from './sqlite-read-protocol.js'
import { WorkerChannel } from './sqlite-worker-channel.js'

export class SqliteReadThread {
  readonly #channel: WorkerChannel<ReadRequest, { result: ReadReply }>

  private constructor(channel: WorkerChannel<ReadRequest, { result: ReadReply }>) {
    this.#channel = channel
  }

  /** Starts the thread and waits until it has opened the ledger (or rejects with why not). */
  static async start(data: ReadWorkerData): Promise<SqliteReadThread> {
    return new SqliteReadThread(await WorkerChannel.start('sqlite-read-worker', 'read', data))
  }

  /** Runs one statement on the thread's connection; `ms`: how long it ran there. */
  async query(
    sql: string,
    parameters: readonly unknown[],
  ): Promise<{ result: ReadResult; ms: number }> {
    const { result } = await this.#channel.request((id) => ({ kind: 'query', id, sql, parameters }))
    if (result.columns === null) {
      return {
        result: { rows: [], numAffectedRows: result.numAffectedRows, insertId: result.insertId },
        ms: result.ms,
      }
    }
    return {
      result: { rows: result.values.map((values) => rowOf(result.columns, values)) },
      ms: result.ms,
    }
  }

  /** Closes the thread's connection and ends it. */
  close(): Promise<void> {
    return this.#channel.close({ kind: 'close' })
  }
}

/** A row as better-sqlite3 builds it: a later column of the same name wins. */
function rowOf(columns: string[], values: unknown[]): Record<string, unknown> {
  const row: Record<string, unknown> = {}
  for (let i = 0; i < columns.length; i++) row[columns[i]!] = values[i]
  return row
}
