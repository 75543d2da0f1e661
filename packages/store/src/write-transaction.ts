/**
 * A write transaction on one connection, opened by hand where kysely's `transaction()` cannot say
 * how: SQLite takes the write lock at BEGIN (`BEGIN IMMEDIATE`, so a transaction never finds the
 * lock taken halfway through), PostgreSQL a plain BEGIN (callers take their advisory locks inside).
 * COMMIT when `work` resolves, ROLLBACK (its own failure ignored) when it throws.
 */
import { type Kysely, sql } from 'kysely'
import type { StoreDialect } from './ledger-store.js'

export async function inWriteTransaction<T>(
  conn: Kysely<any>,
  dialect: StoreDialect,
  work: () => Promise<T>,
): Promise<T> {
  await sql.raw(dialect === 'sqlite' ? 'BEGIN IMMEDIATE' : 'BEGIN').execute(conn)
  try {
    const result = await work()
    await sql.raw('COMMIT').execute(conn)
    return result
  } catch (error) {
    await sql
      .raw('ROLLBACK')
      .execute(conn)
      .catch(() => undefined)
    throw error
  }
}
