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
import { InlineReads } from './sqlite-inline-reads.js'
import { SqliteReadDialect } from './sqlite-read-dialect.js'
import { SqliteReadPool } from './sqlite-read-pool.js'
import { withStatementCache } from './sqlite-statement-cache.js'
import { SqliteWriteThread } from './sqlite-write-thread.js'
import { SqliteWriter } from './sqlite-writer.js'

/** One open ledger file: the connection shared by kysely (queries) and the writer. */
interface OpenLedger {
  /** Null when queries run on read threads (`readThread: 'worker'`, read-only): none is needed. */
  raw: SqliteDatabase | null
  db: Kysely<LedgerDatabase>
  writer: SqliteWriter | undefined
  /** The file opened, or null for `:memory:`. */
  identity: FileIdentity | null
  /** Its `-wal` and `-shm` files as they were when it was opened. */
  companions: Array<[string, FileIdentity]>
  /**
   * The thread inserts go through (`writeThread: 'worker'`), still starting perhaps, or null:
   * this thread. The store is usable before it has started (reads, and synchronous writes on
   * exit); inserts wait for it.
   */
  thread: Promise<SqliteWriteThread> | null
}

/** How a SQLite engine is opened. */
export interface SqliteEngineOptions extends SqliteConnectionOptions {
  /** Where inserts run: on the caller's thread, or on a worker thread owning its own connection. */
  writeThread: 'caller' | 'worker'
  /** Where queries of a read-only ledger run: on the caller's thread, or on READ_THREADS workers. */
  readThread: 'caller' | 'worker'
}

/**
 * Read threads of a read-only ledger opened with `readThread: 'worker'`: two, so one slow query
 * leaves another connection for everything else, without more threads than this kind of machine
 * (a laptop, a small server) has cores to spare for a dashboard.
 */
export const READ_THREADS = 2

/** How long the caller's connection waits for the write thread's lock when it writes itself. */
const CALLER_BUSY_TIMEOUT_WITH_THREAD_MS = 2_000

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
export async function createSqliteEngine(options: SqliteEngineOptions): Promise<StoreEngine> {
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
    await closeLedger(ledger)
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
  const writerOf = (open: OpenLedger) => {
    // Unreachable: a store without a caller connection is read-only, and refuses writes first.
    if (open.raw === null) throw new Error(`${where}: no write connection (read threads only)`)
    return (open.writer ??= new SqliteWriter(open.raw))
  }

  return {
    dialect: 'sqlite',
    get db() {
      return ledger.db
    },
    insertRows: async (rows) => {
      if (!options.readOnly) await checkSameFile()
      const open = ledger
      // Converted (and checked) on this thread, so a bad record is named as before and nothing
      // is written.
      if (open.thread) return (await open.thread).insert(rows)
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
    destroy: () => closeLedger(ledger),
  }
}

async function closeLedger(ledger: OpenLedger): Promise<void> {
  await ledger.thread?.then((thread) => thread.close()).catch(() => undefined)
  await ledger.db.destroy().catch(() => undefined)
}

async function openLedger(options: SqliteEngineOptions): Promise<OpenLedger> {
  if (options.readOnly && options.readThread === 'worker' && options.path !== ':memory:') {
    return openOnReadThreads(options)
  }
  const worker =
    options.writeThread === 'worker' && !options.readOnly && options.path !== ':memory:'
  const raw = await openSqliteDatabase(
    worker
      ? {
          ...options,
          busyTimeoutMs: Math.max(options.busyTimeoutMs, CALLER_BUSY_TIMEOUT_WITH_THREAD_MS),
        }
      : options,
  )
  // The write thread checkpoints the WAL; a checkpoint started by a commit on this thread (a
  // budget check's) would stall the application's event loop for its fsyncs.
  if (worker) raw.pragma('wal_autocheckpoint = 0')
  // Taken right after opening: the file this connection holds.
  const identity = options.path === ':memory:' ? null : fileIdentity(options.path)
  const db = new Kysely<LedgerDatabase>({
    dialect: new SqliteDialect({
      database: withStatementCache(raw) as unknown as KyselySqliteDatabase,
    }),
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
  let thread: Promise<SqliteWriteThread> | null = null
  if (worker) {
    thread = SqliteWriteThread.start({
      path: resolve(options.path),
      busyTimeoutMs: options.busyTimeoutMs,
    })
    // A thread that cannot start fails each insert (with its reason); never an unhandled rejection.
    thread.catch(() => undefined)
  }
  return { raw, db, writer: undefined, identity, companions, thread }
}

/**
 * A read-only ledger whose queries all run on read threads: no connection on the caller's thread.
 * The threads open the path as given, so an error names the ledger exactly as a caller-thread open
 * would (STORE_UNAVAILABLE, DRIVER_MISSING), and the schema check runs through them.
 */
async function openOnReadThreads(options: SqliteEngineOptions): Promise<OpenLedger> {
  const pool = await SqliteReadPool.start(
    { path: options.path, busyTimeoutMs: options.busyTimeoutMs },
    READ_THREADS,
  )
  const identity = fileIdentity(options.path)
  // The caller's own connection, for the reads known to be fast; never waits for a lock (a busy
  // read goes to a thread instead).
  let inline: InlineReads
  try {
    inline = new InlineReads(
      await openSqliteDatabase({ path: options.path, readOnly: true, busyTimeoutMs: 0 }),
    )
  } catch (error) {
    await pool.close()
    throw error
  }
  const db = new Kysely<LedgerDatabase>({ dialect: new SqliteReadDialect(pool, inline) })
  try {
    await assertSchemaCurrent(db, `sqlite:${options.path}`)
  } catch (error) {
    await db.destroy()
    throw error
  }
  return { raw: null, db, writer: undefined, identity, companions: [], thread: null }
}
