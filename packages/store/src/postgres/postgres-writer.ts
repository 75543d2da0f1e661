import { TokenledgerError } from '@tokenledger/pricing'
import { sql } from 'kysely'
import type { Kysely, RawBuilder, Transaction } from 'kysely'
import { CALL_COLUMN_SPECS, CALL_COLUMNS } from '../calls/call-columns.js'
import {
  ROLLUP_KEY_COLUMNS,
  ROLLUP_SUM_COLUMNS,
  RollupDeltas,
  rollupKeyExpressions,
  rollupKeyValues,
  rollupSourceFromRow,
  rollupSumExpressions,
  rollupUpsertAssignments,
} from '../rollups.js'
import type { LedgerDatabase } from '../schema.js'
import type { CostRow, RowSource } from '../store-engine.js'
import { TagRollupDeltas, tagFieldsOf } from '../tag-rollups.js'
import { applyDailyDeltas } from './postgres-daily-rollups.js'
import { rollupKeyArrays, typedArray } from './postgres-key-arrays.js'
import { applyTagDeltas, lockTagRollupKeys, readTagRollupKeys } from './postgres-tag-rollups.js'

/**
 * Calls per INSERT statement. One JSON parameter carries the whole chunk, so there is no
 * parameter limit; chunks exist so that the next chunk is converted while the server stores the
 * previous one. 2,500 measured best among 1,000 to 10,000 (10-15% above one statement per batch).
 */
const CHUNK = 2_500
/** Deadlock and serialization failures are retried: the transaction did nothing. */
const RETRYABLE = new Set(['40P01', '40001'])
const ATTEMPTS = 5

/** `(r->>i)::type` for every `calls` column: a row is a JSON array in CALL_COLUMNS order. */
const FROM_JSON = CALL_COLUMN_SPECS.map(
  ({ name, codec }, i) => `(r->>${i})::${codec.pgType} AS ${name}`,
).join(', ')

/** What the server sums per rollup key, in ROLLUP_SUM_COLUMNS order (named after them). */
const CHUNK_SUMS = rollupSumExpressions('ins')

const SUMS = ROLLUP_SUM_COLUMNS.map((c) => `${CHUNK_SUMS[c]}::text AS ${c}`).join(', ')
/** The rollup key of each call, as text, named after ROLLUP_KEY_COLUMNS. */
const KEY_EXPRESSIONS = rollupKeyExpressions('ins')
const PLAIN_KEY = ROLLUP_KEY_COLUMNS.map((c) => `(${KEY_EXPRESSIONS[c]})::text AS ${c}`).join(', ')
const PLAIN_GROUP = ROLLUP_KEY_COLUMNS.map((_, i) => i + 1).join(', ')
const TAG_GROUP = [...ROLLUP_KEY_COLUMNS, 'tag_key', 'tagged', 'tag_value']
  .map((_, i) => i + 1)
  .join(', ')

/**
 * One chunk of calls in one statement: the new calls (ON CONFLICT skips stored ids), their tags
 * exploded from the `tags` JSON just stored, their budget reservations deleted (the stored call's
 * actual cost counts from now on), and the chunk's contribution to each rollup key,
 * summed by the server and returned as text (exact), named after ROLLUP_SUM_COLUMNS: rows with a
 * null `tag_key` for the plain rollups, then one row per tag rollup row of the rolled-up keys that
 * hold the calls (tag-rollups.ts). The rollups themselves are upserted once per batch, in key
 * order, by `applyDeltas`.
 */
function insertChunk(json: string): RawBuilder<Record<string, string | null>> {
  return sql<Record<string, string | null>>`
    WITH ins AS (
      INSERT INTO calls (${sql.raw(CALL_COLUMNS.join(', '))})
      SELECT ${sql.raw(FROM_JSON)} FROM jsonb_array_elements(${json}::jsonb) AS r
      ON CONFLICT (id) DO NOTHING
      RETURNING id, ts, provider, model, upstream_provider, status, input_tokens,
        cache_read_tokens, cache_write_tokens, output_tokens, reasoning_tokens, cost_pico,
        cache_savings_pico, reported_cost_pico, tags, served_model, requested_model
    ), tagged AS (
      INSERT INTO call_tags (call_id, key, value, ts)
      SELECT ins.id, t.key, t.value, ins.ts FROM ins, json_each_text(ins.tags::json) AS t
    ), released AS (
      DELETE FROM budget_reservations WHERE call_id IN (SELECT id FROM ins)
    )
    SELECT ${sql.raw(PLAIN_KEY)}, NULL::text AS tag_key, NULL::text AS tagged,
      NULL::text AS tag_value, ${sql.raw(SUMS)}
    FROM ins GROUP BY ${sql.raw(PLAIN_GROUP)}
    UNION ALL
    SELECT ${sql.raw(PLAIN_KEY)}, k.key AS tag_key,
      CASE WHEN ins.tags::jsonb ->> k.key IS NULL THEN '0' ELSE '1' END AS tagged,
      COALESCE(ins.tags::jsonb ->> k.key, '') AS tag_value, ${sql.raw(SUMS)}
    FROM ins JOIN rollup_tag_keys k ON k.backfilled_until IS NULL OR ins.ts < k.backfilled_until
    GROUP BY ${sql.raw(TAG_GROUP)}`
}

/**
 * The PostgreSQL write path. A chunk of calls travels as ONE JSON parameter (an array of row
 * arrays) that the server parses once into `jsonb` and expands with `jsonb_array_elements`
 * (`r->>i` is then an array lookup, where on `json` it would re-parse the row for every column).
 * `JSON.stringify` is native; binding one array per column instead made `pg` escape every element
 * in JavaScript, which cost more than the server's work. Tags and the rollup sums come out of the
 * same statement (see insertChunk). Measured in bench/ledger-ingest.mjs.
 */
export class PostgresWriter {
  readonly #db: Kysely<LedgerDatabase>

  constructor(db: Kysely<LedgerDatabase>) {
    this.#db = db
  }

  /** Inserts rows in one transaction; returns how many were new. */
  async insert(rows: RowSource): Promise<number> {
    return retrying(() =>
      this.#db.transaction().execute(async (trx) => {
        await lockTagRollupKeys(trx, 'shared')
        const deltas = new RollupDeltas()
        const tagDeltas = new TagRollupDeltas()
        const seen = new Set<string>()
        let inserted = 0
        let pending: Promise<void> | null = null
        const run = (json: string) =>
          insertChunk(json)
            .execute(trx)
            .then((result) => {
              for (const sums of result.rows) inserted += addChunkSums(deltas, tagDeltas, sums)
            })
        try {
          for (let start = 0; start < rows.length; start += CHUNK) {
            // Converted while the server stores the previous chunk.
            const json = chunkJson(rows, start, Math.min(rows.length, start + CHUNK), seen)
            if (pending) await pending
            pending = json === null ? null : run(json)
          }
          if (pending) await pending
        } catch (error) {
          // A bad record found while a chunk is in flight: let that chunk finish before the
          // transaction rolls back, so its outcome is never left unobserved.
          await pending?.catch(() => undefined)
          throw error
        }
        await applyDeltas(trx, deltas)
        await applyTagDeltas(trx, tagDeltas)
        return inserted
      }),
    )
  }

  /** Applies cost updates (ids unique) in one transaction. */
  async updateCosts(updates: CostRow[]): Promise<void> {
    await retrying(() =>
      this.#db.transaction().execute(async (trx) => {
        await lockTagRollupKeys(trx, 'shared')
        const tagKeys = await readTagRollupKeys(trx)
        const ids = updates.map((u) => u.id)
        // Locks the rows in id order, so two concurrent reprices cannot deadlock on them.
        const { rows: old } = await sql<Record<string, unknown>>`
          SELECT id, ts, provider, model, upstream_provider, status, input_tokens,
            cache_read_tokens, cache_write_tokens, output_tokens, reasoning_tokens,
            cost_pico::text AS cost_pico, cache_savings_pico::text AS cache_savings_pico,
            reported_cost_pico::text AS reported_cost_pico, tags, served_model, requested_model
          FROM calls WHERE id = ANY(${ids}::text[]) ORDER BY id FOR UPDATE`.execute(trx)
        const before = new Map(
          old.map((row) => [
            String(row['id']),
            { ...rollupSourceFromRow(row), ...tagFieldsOf(row) },
          ]),
        )
        const deltas = new RollupDeltas()
        const tagDeltas = new TagRollupDeltas()
        for (const update of updates) {
          const call = before.get(update.id)
          if (!call) {
            throw new TokenledgerError(
              'STORE_UNAVAILABLE',
              `updateCosts: call ${update.id} is not in the ledger; nothing was updated`,
            )
          }
          const after = {
            ...call,
            model: update.model,
            costPico: update.costPico,
            cacheSavingsPico: update.cacheSavingsPico,
          }
          deltas.add(call, call.rawModel, -1n)
          deltas.add(after, call.rawModel)
          tagDeltas.add(tagKeys, call, call.rawModel, -1n)
          tagDeltas.add(tagKeys, after, call.rawModel)
        }
        const money = (pick: (u: CostRow) => bigint | null) => updates.map((u) => param(pick(u)))
        await sql`
          UPDATE calls SET cost_pico = u.cost, cost_input_pico = u.input,
            cost_cache_read_pico = u.cache_read, cost_cache_write_pico = u.cache_write,
            cost_output_pico = u.output, cache_savings_pico = u.savings, card = u.card, model = u.model
          FROM unnest(${ids}::text[], ${money((u) => u.costPico)}::bigint[],
            ${money((u) => u.breakdownPico[0])}::bigint[], ${money((u) => u.breakdownPico[1])}::bigint[],
            ${money((u) => u.breakdownPico[2])}::bigint[], ${money((u) => u.breakdownPico[3])}::bigint[],
            ${money((u) => u.cacheSavingsPico)}::bigint[], ${updates.map((u) => u.card)}::text[],
            ${updates.map((u) => u.model)}::text[])
            AS u(id, cost, input, cache_read, cache_write, output, savings, card, model)
          WHERE calls.id = u.id`.execute(trx)
        const touched = await applyDeltas(trx, deltas)
        if (touched.length > 0) {
          await sql`
            DELETE FROM call_rollups r
            USING unnest(${sql.join(rollupKeyArrays(touched))}) AS k(${sql.raw(ROLLUP_KEY_COLUMNS.join(', '))})
            WHERE ${sql.raw(ROLLUP_KEY_COLUMNS.map((c) => `r.${c} = k.${c}`).join(' AND '))}
              AND r.calls = 0`.execute(trx)
        }
        await applyTagDeltas(trx, tagDeltas)
      }),
    )
  }
}

/** Upserts rollup deltas in key order; returns the keys touched (as bind values). */
async function applyDeltas(
  trx: Transaction<LedgerDatabase>,
  deltas: RollupDeltas,
): Promise<(string | number)[][]> {
  const sorted = deltas.sorted()
  if (sorted.length === 0) return []
  const keys = sorted.map(({ key }) => rollupKeyValues(key))
  const sumArrays = ROLLUP_SUM_COLUMNS.map((_, i) =>
    typedArray(
      sorted.map(({ sums }) => sums[i]!),
      'bigint',
    ),
  )
  await sql`
    INSERT INTO call_rollups (${sql.raw([...ROLLUP_KEY_COLUMNS, ...ROLLUP_SUM_COLUMNS].join(', '))})
    SELECT * FROM unnest(${sql.join([...rollupKeyArrays(keys), ...sumArrays])})
    ON CONFLICT (${sql.raw(ROLLUP_KEY_COLUMNS.join(', '))})
    DO UPDATE SET ${sql.raw(rollupUpsertAssignments('call_rollups'))}`.execute(trx)
  await applyDailyDeltas(trx, deltas) // the daily rollup, from the same deltas (migration 005)
  return keys
}

/**
 * Rows [start, end) as a JSON array of row arrays (bigints as exact decimal strings), skipping
 * ids already seen in this batch (the first one wins, as ON CONFLICT DO NOTHING does across
 * batches). Null when every row was a repeat.
 */
function chunkJson(rows: RowSource, start: number, end: number, seen: Set<string>): string | null {
  const parts: string[] = []
  for (let i = start; i < end; i++) {
    const row = rows.rowAt(i)
    if (seen.has(row.id)) continue
    seen.add(row.id)
    parts.push(JSON.stringify(row.values.map(param)))
  }
  return parts.length === 0 ? null : `[${parts.join(',')}]`
}

/**
 * Adds one row of insertChunk's result to the deltas (a tag row to the tag deltas); returns the
 * number of new calls it counts (0 for a tag row, whose calls the plain rows count already).
 */
function addChunkSums(
  deltas: RollupDeltas,
  tagDeltas: TagRollupDeltas,
  row: Record<string, string | null>,
): number {
  const key = {
    hourTs: Number(row['hour_ts']),
    provider: row['provider']!,
    model: row['model']!,
    unknownModel: row['unknown_model']!,
    priced: row['priced'] === '1' ? (1 as const) : (0 as const),
    upstream: row['upstream']!,
    status: row['status']!,
  }
  const sums = ROLLUP_SUM_COLUMNS.map((column) => BigInt(row[column]!))
  const tagKey = row['tag_key']
  if (tagKey !== null && tagKey !== undefined) {
    tagDeltas.addSums(
      {
        tagKey,
        tagged: row['tagged'] === '1' ? 1 : 0,
        tagValue: row['tag_value']!,
      },
      key,
      sums,
    )
    return 0
  }
  deltas.addSums(key, sums)
  return Number(sums[0])
}

/** pg turns array elements into text; bigints are written out exactly as decimal strings. */
function param(value: string | number | bigint | null): string | number | null {
  return typeof value === 'bigint' ? value.toString() : value
}

async function retrying<T>(run: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await run()
    } catch (error) {
      const code = (error as { code?: unknown }).code
      if (attempt >= ATTEMPTS || typeof code !== 'string' || !RETRYABLE.has(code)) throw error
      await new Promise((resolve) => setTimeout(resolve, 10 * attempt * Math.random()))
    }
  }
}
