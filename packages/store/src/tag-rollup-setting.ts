/**
 * The ledger setting naming the tag keys to roll up (`rollup_tag_keys`, migration 007): reading
 * it, and changing it. A key removed loses its rows at once; a key added is backfilled from the
 * stored calls in chunks of calls, oldest first, each chunk one write transaction, so writers
 * (the meter) wait for one chunk at most, never for the whole backfill. The backfill resumes where
 * it stopped if it is interrupted: setting the keys again finishes it.
 *
 * How a backfill and concurrent writers never count a call twice or miss it: see tag-rollups.ts
 * (`backfilled_until`). On SQLite every step holds the write lock (BEGIN IMMEDIATE); on PostgreSQL
 * the tag-rollup lock exclusively (postgres-tag-rollups.ts).
 */
import { TokenledgerError } from '@tokenledger/pricing'
import { sql } from 'kysely'
import type { Kysely } from 'kysely'
import { DAY_MS } from './daily-rollups.js'
import type { SetTagRollupKeysOptions, StoreDialect, TagRollupKey } from './ledger-store.js'
import { lockTagRollupKeys } from './postgres/postgres-tag-rollups.js'
import { tagValue } from './queries/tag-value.js'
import {
  ROLLUP_KEY_COLUMNS,
  ROLLUP_SUM_COLUMNS,
  rollupKeyExpressions,
  rollupSumExpressions,
  rollupUpsertAssignments,
} from './rollups.js'
import type { LedgerDatabase } from './schema.js'
import { TAG_ROLLUP_TABLES, tagRollupKeyColumns } from './tag-rollups.js'
import { inWriteTransaction } from './write-transaction.js'

/** Most tag keys a ledger rolls up: each one adds its rows to every write. */
export const MAX_ROLLUP_TAG_KEYS = 16
/**
 * Calls per backfill transaction, which holds the write lock meanwhile: a chunk of 200,000 took
 * 4.5 s on a 1M-call SQLite ledger with both of a 2-core machine's cores busy elsewhere; half of
 * that keeps a waiting writer far below its 10 s busy timeout.
 */
export const BACKFILL_CHUNK_CALLS = 100_000

/** The rolled-up tag keys, in code-unit order. */
export async function readTagRollupKeys(db: Kysely<LedgerDatabase>): Promise<TagRollupKey[]> {
  const { rows } = await sql<{ key: string; until: unknown }>`
    SELECT key, CAST(backfilled_until AS TEXT) AS until FROM rollup_tag_keys`.execute(db)
  return rows
    .map((row) => ({
      key: String(row.key),
      complete: row.until === null,
      backfilledUntil: row.until === null ? null : new Date(Number(row.until)).toISOString(),
    }))
    .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
}

/**
 * Makes `keys` the rolled-up tag keys: drops the rows of the keys not listed, adds the new ones,
 * and backfills every key not complete yet. Returns the setting afterwards.
 * @throws TokenledgerError QUERY_INVALID for a bad key list (the message names the entry).
 */
export async function setTagRollupKeys(
  db: Kysely<LedgerDatabase>,
  dialect: StoreDialect,
  keys: readonly string[],
  options: SetTagRollupKeysOptions = {},
): Promise<TagRollupKey[]> {
  checkKeys(keys)
  const chunk = options.chunkCalls ?? BACKFILL_CHUNK_CALLS
  if (!Number.isInteger(chunk) || chunk < 1) {
    throw new TokenledgerError(
      'QUERY_INVALID',
      `setTagRollupKeys: chunkCalls: expected a positive integer, got ${String(chunk)}`,
    )
  }
  const wanted = new Set(keys)
  await inExclusiveWriteTransaction(db, dialect, async (trx) => {
    const { rows } = await sql<{ key: string }>`SELECT key FROM rollup_tag_keys`.execute(trx)
    const stored = new Set(rows.map((row) => String(row.key)))
    for (const key of stored) {
      if (wanted.has(key)) continue
      for (const { table } of TAG_ROLLUP_TABLES)
        await sql`DELETE FROM ${sql.table(table)} WHERE tag_key = ${key}`.execute(trx)
      await sql`DELETE FROM rollup_tag_keys WHERE key = ${key}`.execute(trx)
    }
    const { rows: first } = await sql<{ ts: unknown }>`
      SELECT CAST(MIN(ts) AS TEXT) AS ts FROM calls`.execute(trx)
    // The backfill starts at the oldest call; an empty ledger has nothing to backfill.
    const start = first[0]?.ts == null ? null : String(first[0].ts)
    for (const key of wanted) {
      if (stored.has(key)) continue
      await sql`
        INSERT INTO rollup_tag_keys (key, backfilled_until, added_at)
        VALUES (${key}, ${start === null ? null : sql`CAST(${start} AS BIGINT)`}, ${new Date().toISOString()})`.execute(
        trx,
      )
    }
  })
  for (const key of keys) await backfill(db, dialect, key, chunk, options.onProgress)
  return readTagRollupKeys(db)
}

function checkKeys(keys: readonly string[]): void {
  const fail = (problem: string): never => {
    throw new TokenledgerError('QUERY_INVALID', `setTagRollupKeys: ${problem}`)
  }
  if (!Array.isArray(keys)) fail('keys: expected an array of tag keys')
  if (keys.length > MAX_ROLLUP_TAG_KEYS)
    fail(`keys: at most ${MAX_ROLLUP_TAG_KEYS} tag keys, got ${keys.length}`)
  const seen = new Set<string>()
  keys.forEach((key, i) => {
    if (typeof key !== 'string' || key === '')
      fail(`keys[${i}]: expected a non-empty tag key, got ${JSON.stringify(key)}`)
    if (seen.has(key)) fail(`keys[${i}]: ${JSON.stringify(key)} is listed twice`)
    seen.add(key)
  })
}

/** Backfills `key` chunk by chunk until it is complete (or no longer rolled up). */
async function backfill(
  db: Kysely<LedgerDatabase>,
  dialect: StoreDialect,
  key: string,
  chunk: number,
  onProgress: SetTagRollupKeysOptions['onProgress'],
): Promise<void> {
  let total: number | undefined
  let done = 0
  for (;;) {
    const step = await inExclusiveWriteTransaction(db, dialect, async (trx) => {
      const { rows } = await sql<{ until: unknown }>`
        SELECT CAST(backfilled_until AS TEXT) AS until FROM rollup_tag_keys WHERE key = ${key}`.execute(
        trx,
      )
      const until = rows[0]?.until
      if (until === undefined || until === null) return null
      const from = BigInt(String(until))
      if (total === undefined) {
        const { rows: left } = await sql<{ n: unknown }>`
          SELECT COUNT(*) AS n FROM calls WHERE ts >= ${from.toString()}`.execute(trx)
        total = Number(left[0]?.n ?? 0)
      }
      // The chunk ends at the timestamp of the call `chunk` places on; none: it is the last one.
      const { rows: next } = await sql<{ ts: unknown }>`
        SELECT CAST(ts AS TEXT) AS ts FROM calls WHERE ts >= ${from.toString()}
        ORDER BY ts LIMIT 1 OFFSET ${chunk}`.execute(trx)
      let to = next[0]?.ts == null ? null : BigInt(String(next[0].ts))
      // More than `chunk` calls at one instant: that instant is the chunk.
      if (to !== null && to <= from) to = from + 1n
      const calls = await addCallsToTagRows(trx, dialect, key, from, to)
      await sql`
        UPDATE rollup_tag_keys SET backfilled_until = ${to === null ? null : sql`CAST(${to.toString()} AS BIGINT)`}
        WHERE key = ${key}`.execute(trx)
      return { calls, complete: to === null }
    })
    if (step === null) return
    done += step.calls
    onProgress?.({ key, calls: done, total: Math.max(total ?? 0, done), complete: step.complete })
    if (step.complete) return
  }
}

/**
 * Adds the calls with `from <= ts < to` (no `to`: every later one) to the hourly and daily tag
 * rows of `key`; returns how many calls that was. The calls are read once: their hourly sums go
 * to a temporary table, from which the hourly rows are upserted and the daily ones summed.
 */
async function addCallsToTagRows(
  trx: Kysely<any>,
  dialect: StoreDialect,
  key: string,
  from: bigint,
  to: bigint | null,
): Promise<number> {
  const value = tagValue(dialect, key, 'c')
  const sums = rollupSumExpressions('c')
  const keys = rollupKeyExpressions('c')
  const range = sql`c.ts >= ${from.toString()}${to === null ? sql`` : sql` AND c.ts < ${to.toString()}`}`
  const [hourly, daily] = TAG_ROLLUP_TABLES
  const keyColumns = tagRollupKeyColumns(hourly.time)
  const dayKeyColumns = tagRollupKeyColumns(daily.time)
  const day = sql.lit(DAY_MS)
  await sql`
    CREATE TEMP TABLE tag_backfill_chunk AS
    SELECT CAST(${key} AS TEXT) AS tag_key, CASE WHEN ${value} IS NULL THEN 0 ELSE 1 END AS tagged,
      COALESCE(${value}, '') AS tag_value,
      ${sql.raw(ROLLUP_KEY_COLUMNS.map((column) => `${keys[column]} AS ${column}`).join(', '))},
      ${sql.raw(ROLLUP_SUM_COLUMNS.map((column) => `${sums[column]} AS ${column}`).join(', '))}
    FROM calls c WHERE ${range}
    GROUP BY 2, 3, 4, 5, 6, 7, 8, 9, 10`.execute(trx)
  // No cleanup on failure: the transaction rolls back, the temporary table with it (both engines).
  const columns = sql.raw([...keyColumns, ...ROLLUP_SUM_COLUMNS].join(', '))
  await sql`
      INSERT INTO ${sql.table(hourly.table)} (${columns})
      SELECT ${columns} FROM tag_backfill_chunk WHERE true
      ON CONFLICT (${sql.raw(keyColumns.join(', '))})
      DO UPDATE SET ${sql.raw(rollupUpsertAssignments(hourly.table))}`.execute(trx)
  const dayKeys = dayKeyColumns.map((column) =>
    column === daily.time ? sql`hour_ts - ((hour_ts % ${day}) + ${day}) % ${day}` : sql.ref(column),
  )
  await sql`
      INSERT INTO ${sql.table(daily.table)} (${sql.raw([...dayKeyColumns, ...ROLLUP_SUM_COLUMNS].join(', '))})
      SELECT ${sql.join(dayKeys)}, ${sql.raw(ROLLUP_SUM_COLUMNS.map((c) => `SUM(${c})`).join(', '))}
      FROM tag_backfill_chunk WHERE true
      GROUP BY ${sql.join(dayKeyColumns.map((_, i) => sql.lit(i + 1)))}
      ON CONFLICT (${sql.raw(dayKeyColumns.join(', '))})
      DO UPDATE SET ${sql.raw(rollupUpsertAssignments(daily.table))}`.execute(trx)
  const { rows } = await sql<{ n: unknown }>`
      SELECT CAST(COALESCE(SUM(calls), 0) AS TEXT) AS n FROM tag_backfill_chunk`.execute(trx)
  await sql`DROP TABLE tag_backfill_chunk`.execute(trx)
  return Number(rows[0]?.n ?? 0)
}

/**
 * Runs `fn` in one write transaction that excludes every writer: SQLite's write lock (BEGIN
 * IMMEDIATE), PostgreSQL's tag-rollup lock held exclusively.
 */
async function inExclusiveWriteTransaction<T>(
  db: Kysely<LedgerDatabase>,
  dialect: StoreDialect,
  fn: (trx: Kysely<any>) => Promise<T>,
): Promise<T> {
  return db.connection().execute((conn) =>
    inWriteTransaction(conn, dialect, async () => {
      if (dialect === 'postgres') await lockTagRollupKeys(conn, 'exclusive')
      return fn(conn)
    }),
  )
}
