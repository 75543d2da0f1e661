import { sql } from 'kysely'
import type { Transaction } from 'kysely'
import { DAILY_KEY_COLUMNS, dailyDeltas } from '../daily-rollups.js'
import {
  ROLLUP_SUM_COLUMNS,
  type RollupDeltas,
  rollupKeyValues,
  rollupUpsertAssignments,
} from '../rollups.js'
import type { LedgerDatabase } from '../schema.js'
import { rollupKeyArrays, typedArray } from './postgres-key-arrays.js'

/**
 * The PostgreSQL side of the daily rollup: one `unnest` upsert of every day's delta, inside the
 * writer's transaction, after its hourly upsert (see daily-rollups.ts). Rows are locked in key
 * order, so concurrent writers cannot deadlock on them.
 */
export async function applyDailyDeltas(
  trx: Transaction<LedgerDatabase>,
  hourly: RollupDeltas,
): Promise<void> {
  const deltas = dailyDeltas(hourly)
  if (deltas.length === 0) return
  const keys = rollupKeyArrays(deltas.map((d) => rollupKeyValues(d.key)))
  const sums = ROLLUP_SUM_COLUMNS.map((_, i) =>
    typedArray(
      deltas.map((d) => d.sums[i]!),
      'bigint',
    ),
  )
  await sql`
    INSERT INTO call_rollups_daily (${sql.raw([...DAILY_KEY_COLUMNS, ...ROLLUP_SUM_COLUMNS].join(', '))})
    SELECT * FROM unnest(${sql.join([...keys, ...sums])})
    ON CONFLICT (${sql.raw(DAILY_KEY_COLUMNS.join(', '))})
    DO UPDATE SET ${sql.raw(rollupUpsertAssignments('call_rollups_daily'))}`.execute(trx)
  if (deltas.some((d) => d.sums[0]! < 0n)) {
    await sql`DELETE FROM call_rollups_daily WHERE calls = 0 AND day_ts = ANY(${deltas.map((d) => String(d.key.hourTs))}::bigint[])`.execute(
      trx,
    )
  }
}
