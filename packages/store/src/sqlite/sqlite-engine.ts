import { rmSync } from 'node:fs'
import { resolve } from 'node:path'
import { TokenledgerError } from '@tokenledger/pricing'
import { Kysely, SqliteDialect } from 'kysely'
import type { SqliteDatabase as KyselySqliteDatabase } from 'kysely'
import { assertSchemaCurrent, migrateToLatest } from '../migrations/run-migrations.js'
import type { LedgerDatabase } from '../schema.js'
import type { StoreEngine } from '../store-engine.js'
import { openSqliteDatabase } from './sqlite-connection.js'
import type { SqliteConnectionOptions, SqliteDatabase } from './sqlite-connection.js'
import { fileIdentity, sameFile } from './sqlite-file-identity.js'
import type { FileIdentity } from './sqlite-file-identity.js'
import { SqliteWriter } from './sqlite-writer.js'

/** One open ledger file: the connection shared by kysely (queries) and the writer. */
interface OpenLedger {
  raw: SqliteDatabase
  db: Kysely<LedgerDatabase>
  writer: SqliteWriter | undefined
  /** The file opened, or null for `:memory:`. */
  identity: FileIdentity | null
  /** Its `-wal` and `-shm` files as they were when it was opened. */
  companions: Array<[string, FileIdentity]>
}

/**
 * The SQLite engine: one better-sqlite3 connection shared by kysely (queries) and the writer
 * (prepared statements). Writes take kysely's connection lock first, so they can never run inside
 * a transaction someone opened through the `db` escape hatch.
 *
 * Before each write the engine checks that the path still names the file it has open (device and
 * inode): a ledger deleted or replaced while open would otherwise take every later record into an
 * unlinked file that nobody can read. It then reopens the path (creating and migrating a new ledger
 * if the file is gone) and fails that one write with STORE_UNAVAILABLE saying so; the meter reports
 * it and its retry lands in the file now at the path.
 */
export async function createSqliteEngine(options: SqliteConnectionOptions): Promise<StoreEngine> {
  let ledger = await openLedger(options)
  const where = `sqlite:${options.path}`

  const path = resolve(options.path)
  const checkSameFile = async (): Promise<void> => {
    if (ledger.identity === null) return
    const now = fileIdentity(path)
    if (now !== null && sameFile(now, ledger.identity)) return
    // The old connection closes first. SQLite does not checkpoint a file that has moved, and
    // leaves its `-wal` and `-shm` behind, where the new file would take the old file's pages from
    // them: they are removed, but only while they are still the very files the old connection
    // had (another process may have reopened the path already and made its own).
    await ledger.db.destroy().catch(() => undefined)
    for (const [suffix, identity] of ledger.companions) {
      const current = fileIdentity(path + suffix)
      if (current !== null && sameFile(current, identity)) rmSync(path + suffix, { force: true })
    }
    ledger = await openLedger({ ...options, path })
    throw new TokenledgerError(
      'STORE_UNAVAILABLE',
      `${where}: the ledger file was ${now === null ? 'deleted' : 'replaced'} while open; reopened ${
        now === null ? 'a new, empty ledger' : 'the file now'
      } at that path, and this write is to be retried there`,
    )
  }
  const writerOf = (open: OpenLedger) => (open.writer ??= new SqliteWriter(open.raw))

  return {
    dialect: 'sqlite',
    get db() {
      return ledger.db
    },
    insertRows: async (rows) => {
      if (!options.readOnly) await checkSameFile()
      const open = ledger
      return open.db.connection().execute(async () => writerOf(open).insert(rows))
    },
    insertRowsSync: (rows) => {
      // Exit handlers cannot reopen (that is asynchronous): a moved file is only reported.
      if (!options.readOnly && ledger.identity !== null) {
        const now = fileIdentity(path)
        if (now === null || !sameFile(now, ledger.identity)) {
          throw new TokenledgerError(
            'STORE_UNAVAILABLE',
            `${where}: the ledger file was ${now === null ? 'deleted' : 'replaced'} while open; nothing was written`,
          )
        }
      }
      return writerOf(ledger).insert(rows)
    },
    updateCosts: async (rows) => {
      if (!options.readOnly) await checkSameFile()
      const open = ledger
      return open.db.connection().execute(async () => writerOf(open).updateCosts(rows))
    },
    destroy: () => ledger.db.destroy(),
  }
}

async function openLedger(options: SqliteConnectionOptions): Promise<OpenLedger> {
  const raw = await openSqliteDatabase(options)
  // Taken right after opening: the file this connection holds.
  const identity = options.path === ':memory:' ? null : fileIdentity(options.path)
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
  const companions: Array<[string, FileIdentity]> = []
  for (const suffix of ['-wal', '-shm']) {
    const companion = identity === null ? null : fileIdentity(options.path + suffix)
    if (companion !== null) companions.push([suffix, companion])
  }
  return { raw, db, writer: undefined, identity, companions }
}
