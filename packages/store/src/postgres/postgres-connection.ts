import type { PostgresPool } from 'kysely'
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
}

/** The part of a `pg` Pool the store uses, declared here so the store depends on a shape only. */
export interface PgPool extends PostgresPool {
  on(event: 'error', listener: (error: Error) => void): unknown
}

/**
 * Creates a `pg` connection pool. `pg` is imported here, lazily, so SQLite users never load it.
 * Session settings travel in the startup packet (`options`), so every pooled connection has them
 * from its first query: `search_path` for `?schema=`, and `default_transaction_read_only` for
 * read-only opens (the server then refuses any write, whatever SQL is sent).
 * Nothing connects until the first query.
 * @throws TokenledgerError DRIVER_MISSING when `pg` is not installed.
 */
export async function createPostgresPool(options: PostgresConnectionOptions): Promise<PgPool> {
  const { default: pg } = await loadDriver(
    'pg',
    redact(options.connectionString),
    () => import('pg'),
  )
  const settings: string[] = []
  // The schema name was checked to be a plain identifier (store-url.ts).
  if (options.schema !== undefined) settings.push(`-c search_path=${options.schema}`)
  if (options.readOnly) settings.push('-c default_transaction_read_only=on')
  const pool = new pg.Pool({
    connectionString: options.connectionString,
    max: options.maxConnections ?? 10,
    application_name: 'tokenledger',
    ...(settings.length > 0 ? { options: settings.join(' ') } : {}),
  })
  // An idle connection that drops emits 'error' on the pool; without a listener Node would crash
  // the process. The next query gets a fresh connection or fails with its own error.
  pool.on('error', () => undefined)
  return pool as unknown as PgPool
}
