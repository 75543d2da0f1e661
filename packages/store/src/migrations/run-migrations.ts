import { TokenledgerError } from '@tokenledger/pricing'
import { sql } from 'kysely'
import type { Kysely } from 'kysely'
import type { StoreDialect } from '../ledger-store.js'
import { inWriteTransaction } from '../write-transaction.js'
import { LATEST_VERSION, MIGRATIONS } from './index.js'

/** What `migrateToLatest` did. */
export interface MigrationResult {
  /** Version before the run (0: a fresh ledger). */
  from: number
  to: number
  /** Versions applied by this run; empty when the ledger was already current. */
  applied: number[]
}

/**
 * Brings the ledger schema to `LATEST_VERSION`, in one transaction holding an exclusive lock, so
 * several processes opening a fresh ledger at once apply each migration exactly once.
 *
 * Why not kysely's Migrator: on SQLite it runs migrations outside any transaction and takes no
 * lock (its SQLite adapter's lock is a no-op), so two processes creating one file race on
 * `CREATE TABLE`. Here SQLite takes `BEGIN IMMEDIATE` (the write lock, waiting up to the busy
 * timeout) and PostgreSQL a transaction-scoped advisory lock keyed by the schema name; both
 * engines run DDL transactionally, so a failed migration leaves nothing behind.
 *
 * @throws TokenledgerError STORE_UNAVAILABLE when the ledger's schema is newer than this build.
 */
export async function migrateToLatest(
  db: Kysely<any>,
  dialect: StoreDialect,
  schema?: string,
): Promise<MigrationResult> {
  return db.connection().execute(async (conn) => {
    try {
      return await inWriteTransaction(conn, dialect, async () => {
        if (dialect === 'postgres') {
          const key = `tokenledger.migrations.${schema ?? 'public'}`
          await sql`SELECT pg_advisory_xact_lock(hashtext(${key}))`.execute(conn)
          if (schema !== undefined)
            await sql`CREATE SCHEMA IF NOT EXISTS ${sql.id(schema)}`.execute(conn)
        }
        await conn.schema
          .createTable('tokenledger_migrations')
          .ifNotExists()
          .addColumn('version', 'integer', (c) => c.primaryKey())
          .addColumn('name', 'text', (c) => c.notNull())
          .addColumn('applied_at', 'text', (c) => c.notNull())
          .execute()
        const from = await currentVersion(conn)
        if (from > LATEST_VERSION) throw tooNew(from)
        const applied: number[] = []
        for (const migration of MIGRATIONS) {
          if (migration.version <= from) continue
          await migration.up(conn, dialect)
          await conn
            .insertInto('tokenledger_migrations')
            .values({
              version: migration.version,
              name: migration.name,
              applied_at: new Date().toISOString(),
            })
            .execute()
          applied.push(migration.version)
        }
        return { from, to: LATEST_VERSION, applied }
      })
    } catch (error) {
      if (error instanceof TokenledgerError) throw error
      throw new TokenledgerError(
        'STORE_UNAVAILABLE',
        `ledger migration: ${messageOf(error)}; expected to bring the schema to version ${LATEST_VERSION}`,
        { cause: error },
      )
    }
  })
}

/**
 * For read-only opens, which must not migrate: checks that the schema exists and is exactly the
 * version this build understands.
 * @throws TokenledgerError STORE_UNAVAILABLE naming what is wrong and how to fix it.
 */
export async function assertSchemaCurrent(db: Kysely<any>, where: string): Promise<void> {
  let version: number
  try {
    version = await currentVersion(db)
  } catch (cause) {
    throw new TokenledgerError(
      'STORE_UNAVAILABLE',
      `${where}: no tokenledger schema (${messageOf(cause)}); it is not a ledger yet: the first writer creates the schema (the meter, or \`tokenledger reprice --db ...\`); read-only commands such as report and dashboard never do`,
      { cause },
    )
  }
  if (version > LATEST_VERSION) throw tooNew(version, where)
  if (version < LATEST_VERSION) {
    throw new TokenledgerError(
      'STORE_UNAVAILABLE',
      `${where}: ledger schema is at version ${version}, this tokenledger needs version ${LATEST_VERSION}; open it once read-write to migrate it`,
    )
  }
}

async function currentVersion(db: Kysely<any>): Promise<number> {
  const row = await db
    .selectFrom('tokenledger_migrations')
    .select(sql<number | string | null>`MAX(version)`.as('version'))
    .executeTakeFirst()
  return row?.version == null ? 0 : Number(row.version)
}

function tooNew(version: number, where = 'ledger'): TokenledgerError {
  return new TokenledgerError(
    'STORE_UNAVAILABLE',
    `${where}: ledger schema version ${version} is newer than this tokenledger understands (${LATEST_VERSION}); upgrade tokenledger`,
  )
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}
