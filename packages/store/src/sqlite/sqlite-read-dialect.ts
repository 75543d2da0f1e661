/**
 * A kysely dialect for a read-only SQLite ledger whose queries run on worker threads
 * (`openStore(url, { readOnly: true, readThread: 'worker' })`). It compiles and adapts exactly as
 * kysely's SqliteDialect does; only the driver differs: each connection is a read thread of the
 * pool, and each statement goes there as {sql, parameters} and comes back as rows.
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
import type { SqliteReadPool } from './sqlite-read-pool.js'
import type { SqliteReadThread } from './sqlite-read-thread.js'

export class SqliteReadDialect implements Dialect {
  readonly #pool: SqliteReadPool

  constructor(pool: SqliteReadPool) {
    this.#pool = pool
  }

  createDriver(): Driver {
    return new SqliteReadDriver(this.#pool)
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
  readonly #connections = new WeakMap<SqliteReadThread, ReadThreadConnection>()

  constructor(pool: SqliteReadPool) {
    this.#pool = pool
  }

  /** The pool is started (and the ledger opened) before the dialect is made. */
  async init(): Promise<void> {}

  async acquireConnection(): Promise<DatabaseConnection> {
    const thread = await this.#pool.acquire()
    let connection = this.#connections.get(thread)
    if (!connection) {
      connection = new ReadThreadConnection(thread)
      this.#connections.set(thread, connection)
    }
    return connection
  }

  async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('begin'))
  }

  async commitTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('commit'))
  }

  async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('rollback'))
  }

  async releaseConnection(connection: DatabaseConnection): Promise<void> {
    this.#pool.release((connection as ReadThreadConnection).thread)
  }

  async destroy(): Promise<void> {
    await this.#pool.close()
  }
}

class ReadThreadConnection implements DatabaseConnection {
  readonly thread: SqliteReadThread

  constructor(thread: SqliteReadThread) {
    this.thread = thread
  }

  async executeQuery<R>(compiledQuery: CompiledQuery): Promise<QueryResult<R>> {
    return (await this.thread.query(compiledQuery.sql, compiledQuery.parameters)) as QueryResult<R>
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
