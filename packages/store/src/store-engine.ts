import type { Kysely } from 'kysely'
import type { StoreDialect } from './ledger-store.js'
import type { CallRow } from './record-mapping.js'
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

/**
 * What an engine folder (`sqlite/`, `postgres/`) provides: a kysely instance for queries and the
 * two write paths, which each engine implements with its fastest safe statements. Internal: the
 * public contract is `LedgerStore`.
 */
export interface StoreEngine {
  readonly dialect: StoreDialect
  readonly db: Kysely<LedgerDatabase>
  /** Inserts rows not stored yet, tags and rollups, in one transaction; returns how many were new. */
  insertRows(rows: CallRow[]): Promise<number>
  /** Applies cost updates and moves rollup contributions, in one transaction. */
  updateCosts(rows: CostRow[]): Promise<void>
  destroy(): Promise<void>
}
