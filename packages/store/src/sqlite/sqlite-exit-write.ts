/**
 * The last resort of a process that exits before its SQLite ledger was opened (opening is
 * asynchronous and takes a few hundred ms in a cold process): open the existing ledger file
 * synchronously, write the records, close. Only `exit` handlers should need this.
 */
import { existsSync } from 'node:fs'
import { createRequire } from 'node:module'
import { resolve } from 'node:path'
import { TokenledgerError } from '@tokenledger/pricing'
import type { CallRecord } from '../call-record.js'
import { LATEST_VERSION } from '../migrations/index.js'
import { rowFromRecord } from '../calls/row-from-record.js'
import { parseStoreUrl } from '../store-url.js'
import type { SqliteDatabase } from './sqlite-connection.js'
import { SqliteWriter } from './sqlite-writer.js'

/**
 * Writes `records` to the SQLite ledger at `url`, synchronously. The ledger must exist with the
 * current schema (migrating is asynchronous): a script's first records before its ledger was ever
 * created cannot be saved this way.
 * @throws TokenledgerError OPTION_INVALID for a URL that is not SQLite; STORE_UNAVAILABLE when the
 *   file is missing, not at the current schema, or cannot be written; RECORD_INVALID for a bad
 *   record (nothing is written then).
 */
export function insertSqliteSync(url: string, records: CallRecord[], busyTimeoutMs = 2000): void {
  const location = parseStoreUrl(url)
  if (location.dialect !== 'sqlite') {
    throw new TokenledgerError('OPTION_INVALID', `insertSqliteSync: ${url} is not a SQLite ledger`)
  }
  const path = resolve(location.path)
  const where = `sqlite:${location.path}`
  if (!existsSync(path)) {
    throw new TokenledgerError(
      'STORE_UNAVAILABLE',
      `${where}: no ledger file yet; nothing was written`,
    )
  }
  let Database: new (
    path: string,
    options: { fileMustExist: boolean },
  ) => SqliteDatabase & {
    close(): void
  }
  try {
    Database = createRequire(import.meta.url)('better-sqlite3')
  } catch (cause) {
    throw new TokenledgerError(
      'DRIVER_MISSING',
      `${where}: the better-sqlite3 package is not installed`,
      {
        cause,
      },
    )
  }
  const db = new Database(path, { fileMustExist: true })
  try {
    db.pragma(`busy_timeout = ${Math.max(0, Math.trunc(busyTimeoutMs))}`)
    db.pragma('foreign_keys = OFF')
    const row = db.prepare('SELECT MAX(version) AS version FROM tokenledger_migrations').get() as
      { version: number | null } | undefined
    if (Number(row?.version) !== LATEST_VERSION) {
      throw new TokenledgerError(
        'STORE_UNAVAILABLE',
        `${where}: ledger schema is at version ${String(row?.version)}, not ${LATEST_VERSION}; nothing was written`,
      )
    }
    new SqliteWriter(db).insert({
      length: records.length,
      rowAt: (i) => rowFromRecord(records[i]!, () => `insertSqliteSync: records[${i}]`),
    })
  } catch (error) {
    if (error instanceof TokenledgerError) throw error
    throw new TokenledgerError(
      'STORE_UNAVAILABLE',
      `${where}: synchronous write failed (${error instanceof Error ? error.message : String(error)})`,
      { cause: error },
    )
  } finally {
    db.close()
  }
}
