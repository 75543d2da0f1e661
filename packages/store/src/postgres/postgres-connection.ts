import { Socket } from 'node:net'
import type { PostgresPool, PostgresPoolClient, PostgresQueryResult } from 'kysely'
import { loadDriver } from '../load-driver.js'
import { redact } from '../store-url.js'

/** How to connect to a PostgreSQL ledger. */
export interface PostgresConnectionOptions {
  connectionString: string
  /** Schema holding the tables; the server's search_path when undefined. */
  schema: string | undefined
  readOnly: boolean
  /** @default 10 */
  maxConnections?: number
  /**
   * How long connecting, and each statement, may take before it is given up, in ms (see
   * createPostgresPool). @default DEFAULT_PG_TIMEOUT_MS
   */
  timeoutMs?: number
}

/** Default of `timeoutMs`: long enough for a dashboard query over a large ledger. */
export const DEFAULT_PG_TIMEOUT_MS = 30_000
/**
 * How much longer than the server's statement_timeout the client waits for an answer before it
 * decides the connection is dead: the server cancels a slow statement itself and answers; only a
 * connection that cannot answer at all (a partition) goes this far.
 */
const CLIENT_GRACE_MS = 2_000
/** How long close() lets connections say goodbye before their sockets are destroyed. */
const END_TIMEOUT_MS = 2_000

/** The part of a `pg` client the store uses. */
interface PgClient {
  query(sql: string, parameters: unknown[]): Promise<PostgresQueryResult<unknown>>
  release(error?: Error | boolean): void
  end(): Promise<void>
  on(event: 'error', listener: (error: Error) => void): unknown
}

/** The part of a `pg` pool the store uses, declared here so the store depends on a shape only. */
interface PgPoolShape {
  connect(): Promise<PgClient>
  end(): Promise<void>
  on(event: 'error', listener: (error: Error) => void): unknown
  on(event: 'connect', listener: (client: PgClient) => void): unknown
}

/**
 * Creates a `pg` connection pool that no fault of the server or the network can turn into a
 * crash or a hang of the application. `pg` is imported here, lazily, so SQLite users never load
 * it. Nothing connects until the first query.
 *
 * - Every connection has an 'error' listener for its whole life: `pg` removes the pool's while a
 *   client is checked out, so a backend terminated mid-query (server restart, failover, an idle
 *   reaper) raised an unhandled 'error' event and killed the process.
 * - Connecting gives up after `timeoutMs`; the server cancels any statement after `timeoutMs`
 *   (`statement_timeout`) and ends a session left idle inside a transaction; TCP keep-alive is on.
 * - A statement with no answer `CLIENT_GRACE_MS` after that (the network swallows bytes, so
 *   not even the cancellation arrives) destroys its connection: the statement, and with it the
 *   batch, fails at once, the pool drops the client, and the next attempt connects afresh. So a
 *   batch never waits longer than its statements' deadlines.
 * - `end()` waits END_TIMEOUT_MS for connections to close, then destroys their sockets (the
 *   pool's own end() would wait forever for a partitioned peer); idle connections never keep the
 *   process alive (`allowExitOnIdle`).
 *
 * Session settings travel in the startup packet (`options`), so every pooled connection has them
 * from its first query: `search_path` for `?schema=` (quoted: a schema is case-sensitive), and
 * `default_transaction_read_only` for read-only opens (the server then refuses any write).
 */
export async function createPostgresPool(
  options: PostgresConnectionOptions,
): Promise<PostgresPool> {
  const { default: pg } = await loadDriver(
    'pg',
    redact(options.connectionString),
    () => import('pg'),
  )
  const timeoutMs = options.timeoutMs ?? DEFAULT_PG_TIMEOUT_MS
  const settings = [
    `-c statement_timeout=${timeoutMs}`,
    `-c idle_in_transaction_session_timeout=${timeoutMs * 2}`,
  ]
  if (options.schema !== undefined)
    settings.push(`-c search_path=${quoteIdentifier(options.schema)}`)
  if (options.readOnly) settings.push('-c default_transaction_read_only=on')
  // The pool's sockets are made here, so close() can destroy what a partition keeps half-open.
  const sockets = new Set<Socket>()
  const pool = new pg.Pool({
    connectionString: options.connectionString,
    max: options.maxConnections ?? 10,
    application_name: 'tokenledger',
    options: settings.join(' '),
    connectionTimeoutMillis: timeoutMs,
    keepAlive: true,
    keepAliveInitialDelayMillis: 10_000,
    allowExitOnIdle: true,
    stream: () => {
      const socket = new Socket()
      sockets.add(socket)
      socket.once('close', () => sockets.delete(socket))
      return socket
    },
  }) as unknown as PgPoolShape
  // An idle connection that drops emits 'error' on the pool; the next query gets a fresh one.
  pool.on('error', () => undefined)
  pool.on('connect', (client) => {
    // A checked-out connection that drops fails its query; the error event must not crash us.
    client.on('error', () => undefined)
  })
  const clients = new WeakMap<PgClient, PostgresPoolClient>()
  const deadline = timeoutMs + CLIENT_GRACE_MS
  return {
    async connect() {
      const client = await pool.connect()
      let wrapped = clients.get(client)
      if (!wrapped) {
        wrapped = {
          query: ((sql: string, parameters: readonly unknown[]) =>
            withDeadline(
              client,
              client.query(sql, [...parameters]),
              deadline,
            )) as PostgresPoolClient['query'],
          // pg-pool sets a new `release` at every checkout: look it up at call time.
          release: () => client.release(),
        }
        clients.set(client, wrapped)
      }
      return wrapped
    },
    async end() {
      let timer: NodeJS.Timeout | undefined
      const late = new Promise<void>((resolve) => {
        timer = setTimeout(resolve, END_TIMEOUT_MS)
      })
      await Promise.race([pool.end(), late])
      clearTimeout(timer)
      for (const socket of sockets) socket.destroy()
    },
  }
}

/**
 * `query`, or a rejection once `ms` pass without an answer; the connection is then ended, which
 * `pg` does by destroying the socket when a query is still active.
 */
function withDeadline<T>(client: PgClient, query: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const missed = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      void client.end().catch(() => undefined)
      reject(new Error(`no answer from PostgreSQL within ${ms} ms; the connection was closed`))
    }, ms)
  })
  return Promise.race([query, missed]).finally(() => clearTimeout(timer))
}

/** A schema name as a quoted SQL identifier (store-url.ts allows letters, digits and _ only). */
function quoteIdentifier(name: string): string {
  return `"${name.replace(/"/g, '""')}"`
}
