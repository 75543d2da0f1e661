import { Kysely, SqliteDialect } from 'kysely'
import type { SqliteDatabase as KyselySqliteDatabase } from 'kysely'
import { assertSchemaCurrent, migrateToLatest } from '../migrations/run-migrations.js'
import type { LedgerDatabase } from '../schema.js'
import type { StoreEngine } from '../store-engine.js'
import { openSqliteDatabase } from './sqlite-connection.js'
import type { SqliteConnectionOptions } from './sqlite-connection.js'
import { SqliteWriter } from './sqlite-writer.js'

/**
 * The SQLite engine: one better-sqlite3 connection shared by kysely (queries) and the writer
 * (prepared statements). Writes take kysely's connection lock first, so they can never run inside
 * a transaction someone opened through the `db` escape hatch.
 */
export async function createSqliteEngine(options: SqliteConnectionOptions): Promise<StoreEngine> {
  const raw = await openSqliteDatabase(options)
  const db = new Kysely<LedgerDatabase>({
    dialect: new SqliteDialect({ database: raw as unknown as KyselySqliteDatabase }),
  })
  try {
    if (options.readOnly) await assertSchemaCurrent(db, `sqlite:${options.path}`)
    else await migrateToLatest(db, 'sqlite')
  } catch (error) {
    await db.destroy()
    throw error
  }
  let writer: SqliteWriter | undefined
  const getWriter = () => (writer ??= new SqliteWriter(raw))
  return {
    dialect: 'sqlite',
    db,
    insertRows: (rows) => db.connection().execute(async () => getWriter().insert(rows)),
    updateCosts: (rows) => db.connection().execute(async () => getWriter().updateCosts(rows)),
    destroy: () => db.destroy(),
  }
}
