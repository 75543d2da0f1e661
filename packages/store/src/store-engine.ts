import type { Kysely } from 'kysely'
import type { StoreDialect } from './ledger-store.js'
import type { CallRow } from './calls/row-from-record.js'
import type { LedgerDatabase } from './schema.js'

/** A cost update validated and converted to picodollars. */
export interface CostRow {
  id: string
  costPico: bigint | null
  /** input, cacheRead, cacheWrite, output; all null when unpriced. */
  breakdownPico: [bigint | null, bigint | null, bigint | null, bigint | null]
  cacheSavingsPico: bigint | null
  card: string | null
  model: string | null
}

/** A batch of calls to insert, converted on demand. */
export interface RowSource {
  readonly length: number
  /** Validates and converts record `i` (0-based); throws TokenledgerError for a bad record. */
  rowAt(i: number): CallRow
}

/**
 * What an engine folder (`sqlite/`, `postgres/`) provides: a kysely instance for queries and the
 * two write paths, which each engine implements with its fastest safe statements. Internal: the
 * public contract is `LedgerStore`.
 */
export interface StoreEngine {
  readonly dialect: StoreDialect
  readonly db: Kysely<LedgerDatabase>
  /**
   * Inserts the rows not stored yet, their tags and rollups, in one transaction; returns how many
   * were new. Engines convert each row as they write it (`rows.rowAt(i)`), so a batch of tens of
   * thousands of calls never exists as converted rows all at once (that cost the garbage
   * collector more than SQLite spent storing them). A row that fails conversion throws, and the
   * transaction stores nothing.
   */
  insertRows(rows: RowSource): Promise<number>
  /** The same, synchronously, where the driver can (SQLite); for exit handlers. */
  readonly insertRowsSync?: (rows: RowSource) => number
  /** Applies cost updates and moves rollup contributions, in one transaction. */
  updateCosts(rows: CostRow[]): Promise<void>
  destroy(): Promise<void>
}
