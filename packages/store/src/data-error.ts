/**
 * Tells a database's refusal of the DATA (one value out of range, a constraint broken) from a
 * refusal of the WRITE (locked, full, read-only, connection lost). The first is the record's
 * fault: retrying cannot help, so the store reports it as RECORD_INVALID and the meter writes the
 * rest of the batch without it. The second is the ledger's, and is retried.
 */

/** SQLite result codes that mean a value or a constraint, never the file or the lock. */
const SQLITE_DATA_CODES = new Set(['SQLITE_RANGE', 'SQLITE_MISMATCH', 'SQLITE_TOOBIG'])

/**
 * True for a data error: SQLite range, type or constraint errors (and better-sqlite3's RangeError
 * for a bound value too big), or a PostgreSQL SQLSTATE of class 22 (data exception) or 23
 * (integrity constraint violation).
 */
export function isDataError(error: unknown): boolean {
  if (error instanceof RangeError) return true
  const code = (error as { code?: unknown } | null)?.code
  if (typeof code !== 'string') return false
  if (code.startsWith('SQLITE_')) {
    return SQLITE_DATA_CODES.has(code) || code.startsWith('SQLITE_CONSTRAINT')
  }
  return /^2[23][0-9A-Z]{3}$/.test(code)
}
