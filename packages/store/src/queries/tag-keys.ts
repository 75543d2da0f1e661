import { sql } from 'kysely'
import type { Kysely } from 'kysely'
import type { LedgerDatabase } from '../schema.js'

/** Most keys `tagKeys` returns: a tag picker, not an inventory. */
export const MAX_TAG_KEYS = 200

/**
 * `LedgerStore#tagKeys`: the distinct tag keys of the ledger, in code-unit order. A skip scan of
 * call_tags' key (key, value, ts, call_id): one index seek per distinct key, however many calls
 * carry it, on both engines (a plain DISTINCT would read every tag row).
 */
export async function tagKeys(db: Kysely<LedgerDatabase>): Promise<string[]> {
  const { rows } = await sql<{ key: string | null }>`
    WITH RECURSIVE k(key, n) AS (
      SELECT (SELECT MIN(key) FROM call_tags), 1
      UNION ALL
      SELECT (SELECT MIN(t.key) FROM call_tags t WHERE t.key > k.key), n + 1
      FROM k WHERE k.key IS NOT NULL AND n < ${MAX_TAG_KEYS}
    )
    SELECT key FROM k WHERE key IS NOT NULL`.execute(db)
  return rows.map((row) => String(row.key)).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
}
