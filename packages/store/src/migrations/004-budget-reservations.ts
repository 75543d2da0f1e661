import { sql } from 'kysely'
import type { Kysely } from 'kysely'
import type { StoreDialect } from '../ledger-store.js'
import type { Migration } from './migration.js'

/**
 * Budgets in the ledger (see budgets/budget-ledger.ts):
 * - `budget_reservations`: the worst-case cost of each call in flight, per budget it falls under,
 *   held by one process (`holder`) until `expires_ms` (a lease the holder renews while it lives).
 *   A reservation stops counting as soon as its call's record is in `calls` (same id): from then
 *   on the call's actual cost counts, through the rollups.
 * - `budget_definitions`: the budgets last declared by a meter or proxy (JSON), so the CLI and
 *   the dashboard can report on them from the ledger alone.
 */
export const budgetReservationsMigration: Migration = {
  version: 4,
  name: 'budget-reservations',
  async up(db: Kysely<any>, dialect: StoreDialect): Promise<void> {
    const clustered = dialect === 'sqlite' ? sql`WITHOUT ROWID` : sql``
    await sql`
      CREATE TABLE budget_reservations (
        budget TEXT NOT NULL,
        call_id TEXT NOT NULL,
        amount_pico BIGINT NOT NULL,
        holder TEXT NOT NULL,
        expires_ms BIGINT NOT NULL,
        CONSTRAINT budget_reservations_pk PRIMARY KEY (budget, call_id)
      ) ${clustered}`.execute(db)
    await sql`CREATE INDEX budget_reservations_holder_idx ON budget_reservations (holder)`.execute(
      db,
    )
    await sql`
      CREATE TABLE budget_definitions (
        id TEXT NOT NULL PRIMARY KEY,
        definition TEXT NOT NULL,
        updated_ms BIGINT NOT NULL
      )`.execute(db)
  },
}
