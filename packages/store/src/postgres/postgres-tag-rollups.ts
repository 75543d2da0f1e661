import { sql } from 'kysely'
import type { Kysely } from 'kysely'
import { ROLLUP_SUM_COLUMNS, rollupKeyValues, rollupUpsertAssignments } from '../rollups.js'
import type { LedgerDatabase } from '../schema.js'
import {
  TAG_ROLLUP_TABLES,
  type TagRollupDeltas,
  type TagRollupKeyRow,
  tagRollupKeyColumns,
} from '../tag-rollups.js'
import { rollupKeyArrays, typedArray } from './postgres-key-arrays.js'

/**
 * The PostgreSQL side of the tag rollups (see tag-rollups.ts).
 *
 * Writers run concurrently under READ COMMITTED, so the keys a writer reads could change before
 * it commits (a key added, or a backfill chunk that sums calls this writer has not committed
 * yet). Every write transaction therefore holds this schema's tag-rollup lock shared, and a change
 * of the setting or a backfill chunk holds it exclusively: they wait for the writers in flight,
 * and the writers after them see what they did.
 */
export async function lockTagRollupKeys(
  db: Kysely<any>,
  mode: 'shared' | 'exclusive',
): Promise<void> {
  const lock = sql.raw(mode === 'shared' ? 'pg_advisory_xact_lock_shared' : 'pg_advisory_xact_lock')
  await sql`SELECT ${lock}(hashtext('tokenledger.tag-rollups.' || current_schema()))`.execute(db)
}

/** The rolled-up keys (after `lockTagRollupKeys`, in the same transaction). */
export async function readTagRollupKeys(db: Kysely<any>): Promise<TagRollupKeyRow[]> {
  const { rows } = await sql<{ key: string; until: string | null }>`
    SELECT key, backfilled_until::text AS until FROM rollup_tag_keys ORDER BY key`.execute(db)
  return rows.map((row) => ({
    key: row.key,
    backfilledUntil: row.until === null ? null : Number(row.until),
  }))
}

/**
 * Upserts the hourly and daily tag deltas, one `unnest` statement each, rows in the deltas' order
 * (the lock order); rows a reprice emptied are deleted.
 */
export async function applyTagDeltas(
  trx: Kysely<LedgerDatabase>,
  deltas: TagRollupDeltas,
): Promise<void> {
  if (deltas.size === 0) return
  for (const [i, { table, time }] of TAG_ROLLUP_TABLES.entries()) {
    const rows = i === 0 ? deltas.hourly() : deltas.daily()
    if (rows.length === 0) continue
    const keyColumns = tagRollupKeyColumns(time)
    const keyArrays = [
      typedArray(
        rows.map((row) => row.tag.tagKey),
        'text',
      ),
      typedArray(
        rows.map((row) => row.tag.tagged),
        'integer',
      ),
      typedArray(
        rows.map((row) => row.tag.tagValue),
        'text',
      ),
      ...rollupKeyArrays(rows.map((row) => rollupKeyValues(row.key))),
    ]
    const sumArrays = ROLLUP_SUM_COLUMNS.map((_, s) =>
      typedArray(
        rows.map((row) => row.sums[s]!),
        'bigint',
      ),
    )
    await sql`
      INSERT INTO ${sql.table(table)} (${sql.raw([...keyColumns, ...ROLLUP_SUM_COLUMNS].join(', '))})
      SELECT * FROM unnest(${sql.join([...keyArrays, ...sumArrays])})
      ON CONFLICT (${sql.raw(keyColumns.join(', '))})
      DO UPDATE SET ${sql.raw(rollupUpsertAssignments(table))}`.execute(trx)
    if (rows.some((row) => row.sums[0]! < 0n)) {
      const touched = [...new Set(rows.map((row) => row.tag.tagKey))]
      await sql`
        DELETE FROM ${sql.table(table)} WHERE calls = 0 AND tag_key = ANY(${touched}::text[])
          AND ${sql.ref(time)} = ANY(${[...new Set(rows.map((row) => String(row.key.hourTs)))]}::bigint[])`.execute(
        trx,
      )
    }
  }
}
