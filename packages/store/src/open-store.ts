import { TokenledgerError } from '@tokenledger/pricing'
import type { LedgerStore, OpenStoreOptions } from './ledger-store.js'
import { SqlLedgerStore } from './sql-ledger-store.js'
import { defaultStoreUrl, parseStoreUrl, redact } from './store-url.js'

/**
 * Opens (and, unless read-only, creates and migrates) a ledger.
 *
 * @param url `sqlite:PATH`, a bare file path, or `postgres://user@host:port/db[?schema=NAME]`.
 *   Default: `TOKENLEDGER_DB`, else `./tokenledger.db`.
 * @param options `readOnly` (default false): no writes, no migration, the ledger must exist;
 *   `busyTimeoutMs` (SQLite, default 10000); `postgresTimeoutMs` (PostgreSQL, default 30000);
 *   `writeThread`, `readThread` (SQLite, default 'caller'): run writes, or a read-only ledger's
 *   queries, on worker threads so they never block the caller's event loop.
 * @throws TokenledgerError STORE_UNAVAILABLE when the ledger cannot be opened, connected to or
 *   migrated, or its schema is missing (read-only) or newer than this version; OPTION_INVALID for
 *   a malformed URL or `readThread: 'worker'` without `readOnly`; DRIVER_MISSING when the URL's driver (better-sqlite3 or pg) is not installed.
 * @example
 * const store = await openStore('sqlite:./tokenledger.db')
 * const [total] = await store.summarize({ since: new Date('2026-05-01T00:00:00Z') })
 * if (total) console.log(total.cost, `${total.unpricedCalls} calls could not be priced`)
 * await store.close()
 */
export async function openStore(
  url?: string,
  options: OpenStoreOptions = {},
): Promise<LedgerStore> {
  const target = url ?? defaultStoreUrl()
  const location = parseStoreUrl(target)
  const readOnly = options.readOnly ?? false
  if (options.readThread === 'worker' && !readOnly) {
    throw new TokenledgerError(
      'OPTION_INVALID',
      "openStore: option readThread: 'worker' needs readOnly: true (a writable store reads on the connection it writes with)",
    )
  }
  // Engines are imported on demand: a SQLite user never loads `pg`, and the reverse.
  if (location.dialect === 'postgres') {
    const { createPostgresEngine } = await import('./postgres/postgres-engine.js')
    const engine = await createPostgresEngine({
      connectionString: location.connectionString,
      schema: location.schema,
      readOnly,
      ...(options.postgresTimeoutMs === undefined ? {} : { timeoutMs: options.postgresTimeoutMs }),
    })
    return new SqlLedgerStore(engine, { readOnly, where: redact(target) })
  }
  const { createSqliteEngine } = await import('./sqlite/sqlite-engine.js')
  const engine = await createSqliteEngine({
    path: location.path,
    readOnly,
    busyTimeoutMs: options.busyTimeoutMs ?? 10_000,
    writeThread: options.writeThread ?? 'caller',
    readThread: options.readThread ?? 'caller',
  })
  return new SqlLedgerStore(engine, { readOnly, where: `sqlite:${location.path}` })
}
