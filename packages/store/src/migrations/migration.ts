import type { Kysely } from 'kysely'
import type { StoreDialect } from '../ledger-store.js'

/**
 * One versioned schema change. Versions are consecutive integers from 1; a migration, once
 * released, is never edited: a change is a new migration.
 */
export interface Migration {
  version: number
  /** Short kebab-case description, stored beside the version. */
  name: string
  /** Runs inside the migration transaction; `dialect` lets a migration pick engine-specific DDL. */
  up(db: Kysely<any>, dialect: StoreDialect): Promise<void>
}
