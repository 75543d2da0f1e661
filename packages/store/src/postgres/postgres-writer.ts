import { TokenledgerError } from '@tokenledger/pricing'
import { sql } from 'kysely'
import type { Kysely, RawBuilder, Transaction } from 'kysely'
import { CALL_COLUMNS } from '../record-mapping.js'
import type { CallColumn, CallRow } from '../record-mapping.js'
import {
  ROLLUP_KEY_COLUMNS,
  ROLLUP_SUM_COLUMNS,
  RollupDeltas,
  rollupSourceFromRow,
  rollupUpsertAssignments,
} from '../rollups.js'
import type { LedgerDatabase } from '../schema.js'
import type { CostRow } from '../store-engine.js'

/** PostgreSQL type of each `calls` column, for the `unnest($n::type[])` casts. */
const PG_TYPES: Record<CallColumn, string> = {
  id: 'text',
  ts: 'bigint',
  provider: 'text',
  requested_model: 'text',
  served_model: 'text',
  model: 'text',
  upstream_provider: 'text',
  endpoint: 'text',
  stream: 'integer',
  status: 'text',
  http_status: 'integer',
  error_type: 'text',
  input_tokens: 'integer',
  cache_read_tokens: 'integer',
  cache_write_tokens: 'integer',
  cache_write_1h_tokens: 'integer',
  output_tokens: 'integer',
  reasoning_tokens: 'integer',
  usage_provenance: 'text',
  cost_pico: 'bigint',
  cost_input_pico: 'bigint',
  cost_cache_read_pico: 'bigint',
  cost_cache_write_pico: 'bigint',
  cost_output_pico: 'bigint',
  cache_savings_pico: 'bigint',
  card: 'text',
  reported_cost_pico: 'bigint',
  latency_ms: 'integer',
  ttft_ms: 'integer',
  request_id: 'text',
  service_tier: 'text',
  tags: 'text',
}

/** Rows per statement: arrays keep the parameter count at one per column whatever the size. */
const CHUNK = 5_000
/** Deadlock and serialization failures are retried: the transaction did nothing. */
const RETRYABLE = new Set(['40P01', '40001'])
const ATTEMPTS = 5

/**
 * The PostgreSQL write path. Each statement binds one array per column and expands them with
 * `unnest`, so a batch of thousands of calls is a handful of statements with a fixed shape
 * (cheap to plan) instead of one statement per row or a 60,000-parameter VALUES list.
 */
export class PostgresWriter {
  readonly #db: Kysely<LedgerDatabase>

  constructor(db: Kysely<LedgerDatabase>) {
    this.#db = db
  }

  /** Inserts rows in one transaction; returns how many were new. */
  async insert(rows: CallRow[]): Promise<number> {
    const unique = dedupe(rows)
    return retrying(() =>
      this.#db.transaction().execute(async (trx) => {
        const inserted: CallRow[] = []
        for (let i = 0; i < unique.length; i += CHUNK) {
          const chunk = unique.slice(i, i + CHUNK)
          const byId = new Map(chunk.map((row) => [row.id, row]))
          const columns = CALL_COLUMNS.map((column, c) =>
            typed(
              chunk.map((row) => param(row.values[c]!)),
              PG_TYPES[column],
            ),
          )
          const { rows: ids } = await sql<{ id: string }>`
            INSERT INTO calls (${sql.raw(CALL_COLUMNS.join(', '))})
            SELECT * FROM unnest(${sql.join(columns)})
            ON CONFLICT (id) DO NOTHING RETURNING id`.execute(trx)
          for (const { id } of ids) inserted.push(byId.get(id)!)
        }
        const tagCalls: string[] = []
        const tagKeys: string[] = []
        const tagValues: string[] = []
        const deltas = new RollupDeltas()
        for (const row of inserted) {
          for (const [key, value] of row.tags) {
            tagCalls.push(row.id)
            tagKeys.push(key)
            tagValues.push(value)
          }
          deltas.add(row)
        }
        if (tagCalls.length > 0) {
          await sql`
            INSERT INTO call_tags (call_id, key, value)
            SELECT * FROM unnest(${tagCalls}::text[], ${tagKeys}::text[], ${tagValues}::text[])`.execute(
            trx,
          )
        }
        await applyDeltas(trx, deltas)
        return inserted.length
      }),
    )
  }

  /** Applies cost updates (ids unique) in one transaction. */
  async updateCosts(updates: CostRow[]): Promise<void> {
    await retrying(() =>
      this.#db.transaction().execute(async (trx) => {
        const ids = updates.map((u) => u.id)
        // Locks the rows in id order, so two concurrent reprices cannot deadlock on them.
        const { rows: old } = await sql<Record<string, unknown>>`
          SELECT id, ts, provider, model, upstream_provider, status, input_tokens,
            cache_read_tokens, cache_write_tokens, output_tokens, reasoning_tokens,
            cost_pico::text AS cost_pico, cache_savings_pico::text AS cache_savings_pico,
            reported_cost_pico::text AS reported_cost_pico
          FROM calls WHERE id = ANY(${ids}::text[]) ORDER BY id FOR UPDATE`.execute(trx)
        const before = new Map(old.map((row) => [String(row['id']), rollupSourceFromRow(row)]))
        const deltas = new RollupDeltas()
        for (const update of updates) {
          const call = before.get(update.id)
          if (!call) {
            throw new TokenledgerError(
              'STORE_UNAVAILABLE',
              `updateCosts: call ${update.id} is not in the ledger; nothing was updated`,
            )
          }
          deltas.add(call, -1n)
          deltas.add({
            ...call,
            model: update.model,
            costPico: update.costPico,
            cacheSavingsPico: update.cacheSavingsPico,
          })
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
          const column = (i: number) => touched.map((key) => key[i])
          await sql`
            DELETE FROM call_rollups r
            USING unnest(${column(0)}::bigint[], ${column(1)}::text[], ${column(2)}::text[],
              ${column(3)}::text[], ${column(4)}::text[]) AS k(hour_ts, provider, model, upstream, status)
            WHERE r.hour_ts = k.hour_ts AND r.provider = k.provider AND r.model = k.model
              AND r.upstream = k.upstream AND r.status = k.status AND r.calls = 0`.execute(trx)
        }
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
  const keys = sorted.map(({ key }) => [
    String(key.hourTs),
    key.provider,
    key.model,
    key.upstream,
    key.status,
  ])
  const keyArrays = ROLLUP_KEY_COLUMNS.map((column, i) =>
    typed(
      keys.map((key) => key[i]!),
      column === 'hour_ts' ? 'bigint' : 'text',
    ),
  )
  const sumArrays = ROLLUP_SUM_COLUMNS.map((_, i) =>
    typed(
      sorted.map(({ sums }) => sums[i]!.toString()),
      'bigint',
    ),
  )
  await sql`
    INSERT INTO call_rollups (${sql.raw([...ROLLUP_KEY_COLUMNS, ...ROLLUP_SUM_COLUMNS].join(', '))})
    SELECT * FROM unnest(${sql.join([...keyArrays, ...sumArrays])})
    ON CONFLICT (${sql.raw(ROLLUP_KEY_COLUMNS.join(', '))})
    DO UPDATE SET ${sql.raw(rollupUpsertAssignments())}`.execute(trx)
  return keys
}

function typed(values: unknown[], type: string): RawBuilder<unknown> {
  return sql`${values}::${sql.raw(type)}[]`
}

/** pg turns array elements into text; bigints are written out exactly as decimal strings. */
function param(value: string | number | bigint | null): string | number | null {
  return typeof value === 'bigint' ? value.toString() : value
}

/** Keeps the first row of each id, as the SQLite path and ON CONFLICT DO NOTHING do. */
function dedupe(rows: CallRow[]): CallRow[] {
  const seen = new Set<string>()
  return rows.filter((row) => !seen.has(row.id) && (seen.add(row.id), true))
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
