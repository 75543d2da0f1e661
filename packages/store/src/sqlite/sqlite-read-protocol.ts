/** Messages between a SQLite store and its read threads (sqlite-read-thread.ts). */

/** What a read worker is started with. */
export interface ReadWorkerData {
  /** The path as the user gave it: the worker's errors name the ledger as the caller's would. */
  path: string
  busyTimeoutMs: number
}

/** A compiled query (kysely's sql and parameters), or the end of the thread. */
export type ReadRequest =
  { kind: 'query'; id: number; sql: string; parameters: readonly unknown[] } | { kind: 'close' }

/**
 * A query's answer as it crosses from the thread: rows as arrays of values with the column names
 * once (cloning 50 keyed rows of a calls page cost more than reading them), or what a statement
 * that is not a reader did.
 */
export type ReadReply = (
  | { columns: string[]; values: unknown[][] }
  | { columns: null; numAffectedRows: bigint; insertId: bigint }
) & {
  /** How long the statement ran on the thread, in milliseconds (see sqlite-inline-reads.ts). */
  ms: number
}

/** A query's answer, as kysely's SqliteDriver builds it from better-sqlite3's. */
export interface ReadResult {
  rows: unknown[]
  /** For a statement that is not a reader (BEGIN, COMMIT...): what better-sqlite3's run() said. */
  numAffectedRows?: bigint
  insertId?: bigint
}
