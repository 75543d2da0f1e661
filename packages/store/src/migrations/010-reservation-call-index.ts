import { sql } from 'kysely'
import type { Kysely } from 'kysely'
import type { Migration } from './migration.js'

/**
 * An index of budget reservations by call id: the writer deletes a call's reservations in the
 * transaction that stores the call (see budgets/budget-ledger.ts), so a budget check sums only
 * the reservations of calls not stored yet instead of probing `calls` for every one of them.
 */
export const reservationCallIndexMigration: Migration = {
  version: 10,
  name: 'reservation-call-index',
  async up(db: Kysely<any>): Promise<void> {
    await sql`CREATE INDEX IF NOT EXISTS budget_reservations_call_idx ON budget_reservations (call_id)`.execute(
      db,
    )
  },
}
