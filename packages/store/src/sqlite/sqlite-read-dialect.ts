/**
 * A kysely dialect for a read-only SQLite ledger whose queries run on worker threads
 * (`openStore(url, { readOnly: true, readThread: 'worker' })`). It compiles and adapts exactly as
 * kysely's SqliteDialect does; only the driver differs: each connection is a read thread of the
 * pool, and each statement goes there as {sql, parameters} and comes back as rows, unless it is a
 * read known to be fast, which runs on the caller's thread (sqlite-inline-reads.ts).
 */
import {
  CompiledQuery,
  SqliteAdapter,
  SqliteIntrospector,
  SqliteQueryCompiler,
  type DatabaseConnection,
  type DatabaseIntrospector,
  type Dialect,
  type DialectAdapter,
  type Driver,
  type Kysely,
  type QueryCompiler,
  type QueryResult,
} from 'kysely'
import { InlineReads } from './sqlite-inline-reads.js'
import type { SqliteReadPool } from './sqlite-read-pool.js'
import type { SqliteReadThread } from './sqlite-read-thread.js'

export class SqliteReadDialect implements Dialect {
  readonly #pool: SqliteReadPool
  readonly #inline: InlineReads

  /** `inline`: the caller's own read-only connection, for the reads known to be fast. */
  constructor(pool: SqliteReadPool, inline: InlineReads) {
    this.#pool = pool
    this.#inline = inline
  }

  createDriver(): Driver {
    return new SqliteReadDriver(this.#pool, this.#inline)
  }

  createQueryCompiler(): QueryCompiler {
    return new SqliteQueryCompiler()
  }

  createAdapter(): DialectAdapter {
    return new SqliteAdapter()
  }

  createIntrospector(db: Kysely<any>): DatabaseIntrospector {
    return new SqliteIntrospector(db)
  }
}

class SqliteReadDriver implements Driver {
  readonly #pool: SqliteReadPool
  readonly #inline: InlineReads

  constructor(pool: SqliteReadPool, inline: InlineReads) {
    this.#pool = pool
    this.#inline = inline
  }

  /** The pool is started (and the ledger opened) before the dialect is made. */
  async init(): Promise<void> {}

  /** A connection that takes a thread only for a statement that does not run inline. */
  async acquireConnection(): Promise<DatabaseConnection> {
    return new ReadThreadConnection(this.#pool, this.#inline)
  }

  // A transaction's statements all run on its thread's connection, none inline.
  async beginTransaction(connection: DatabaseConnection): Promise<void> {
    ;(connection as ReadThreadConnection).inTransaction = true
    await connection.executeQuery(CompiledQuery.raw('begin'))
  }

  async commitTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('commit'))
    ;(connection as ReadThreadConnection).inTransaction = false
  }

  async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    try {
      await connection.executeQuery(CompiledQuery.raw('rollback'))
    } finally {
      ;(connection as ReadThreadConnection).inTransaction = false
    }
  }

  async releaseConnection(connection: DatabaseConnection): Promise<void> {
    ;(connection as ReadThreadConnection).release()
  }

  async destroy(): Promise<void> {
    this.#inline.close()
    await this.#pool.close()
  }
}

/**
 * One kysely connection: a read known to be fast runs inline; any other statement runs on a read
 * thread, taken at its first such statement and kept until kysely releases the connection (so a
 * transaction's statements share one).
 */
class ReadThreadConnection implements DatabaseConnection {
  readonly #pool: SqliteReadPool
  readonly #inline: InlineReads
  #thread: SqliteReadThread | null = null
  inTransaction = false

  constructor(pool: SqliteReadPool, inline: InlineReads) {
    this.#pool = pool
    this.#inline = inline
  }

  async executeQuery<R>(compiledQuery: CompiledQuery): Promise<QueryResult<R>> {
    const { sql, parameters } = compiledQuery
    const key = this.inTransaction ? null : InlineReads.keyOf(sql, parameters)
    if (key !== null) {
      const inline = this.#inline.tryRun(key, sql, parameters)
      if (inline) return inline as QueryResult<R>
    }
    this.#thread ??= await this.#pool.acquire()
    const { result, ms } = await this.#thread.query(sql, parameters)
    // Only reads (rows, no change count) may run inline later.
    if (key !== null && result.numAffectedRows === undefined) this.#inline.noteTime(key, ms)
    return result as QueryResult<R>
  }

  /** Gives the thread back to the pool, if a statement took one. */
  release(): void {
    if (this.#thread) this.#pool.release(this.#thread)
    this.#thread = null
  }

  /** The rows are read on the thread in one go and handed out in chunks (nothing here streams). */
  async *streamQuery<R>(
    compiledQuery: CompiledQuery,
    chunkSize = 100,
  ): AsyncIterableIterator<QueryResult<R>> {
    const { rows } = await this.executeQuery<R>(compiledQuery)
    for (let i = 0; i < rows.length; i += chunkSize) yield { rows: rows.slice(i, i + chunkSize) }
  }
}
