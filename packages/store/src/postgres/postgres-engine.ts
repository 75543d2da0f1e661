import { TokenledgerError } from '@tokenledger/pricing'
import { Kysely, PostgresDialect, sql } from 'kysely'
import { assertSchemaCurrent, migrateToLatest } from '../migrations/run-migrations.js'
import type { LedgerDatabase } from '../schema.js'
import type { StoreEngine } from '../store-engine.js'
import { redact } from '../store-url.js'
import { createPostgresPool } from './postgres-connection.js'
import type { PostgresConnectionOptions } from './postgres-connection.js'
import { PostgresWriter } from './postgres-writer.js'

/**
 * The PostgreSQL engine: a `pg` pool behind kysely's PostgresDialect; writes go through
 * PostgresWriter. Opening checks the connection at once, so a wrong URL fails in `openStore`
 * and not at the first insert.
 */
export async function createPostgresEngine(
  options: PostgresConnectionOptions,
): Promise<StoreEngine> {
  const pool = await createPostgresPool(options)
  const db = new Kysely<LedgerDatabase>({ dialect: new PostgresDialect({ pool }) })
  const where =
    redact(options.connectionString) + (options.schema ? ` (schema ${options.schema})` : '')
  try {
    await sql`SELECT 1`.execute(db)
  } catch (cause) {
    await db.destroy()
    const reason = cause instanceof Error ? cause.message : String(cause)
    throw new TokenledgerError('STORE_UNAVAILABLE', `${where}: cannot connect (${reason})`, {
      cause,
    })
  }
  try {
    if (options.readOnly) await assertSchemaCurrent(db, where)
    else await migrateToLatest(db, 'postgres', options.schema)
  } catch (error) {
    await db.destroy()
    throw error
  }
  const writer = new PostgresWriter(db)
  return {
    dialect: 'postgres',
    db,
    insertRows: (rows) => writer.insert(rows),
    updateCosts: (rows) => writer.updateCosts(rows),
    destroy: () => db.destroy(),
  }
}
