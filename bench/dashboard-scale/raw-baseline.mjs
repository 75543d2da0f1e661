// The baseline: the dashboard's answers computed the plain way, by GROUP BY (and COUNT, ORDER BY
// LIMIT) over the raw `calls` table, straight through better-sqlite3 / pg in the bench process,
// without the store's rollups. Also the reference its totals are checked against.
import { createRequire } from 'node:module'
import { usdFromPico } from '../../packages/pricing/dist/index.js'

// better-sqlite3 and pg are dependencies of the store package, not of the root.
const require = createRequire(new URL('../../packages/store/package.json', import.meta.url))

/** Opens the SQLite ledger read-only, as the dashboard does. */
export function sqliteRaw(path) {
  const Database = require('better-sqlite3')
  const db = new Database(path, { readonly: true, fileMustExist: true })
  const statements = new Map()
  return {
    tagValue: (key) => `json_extract(tags, '$.${key}')`,
    async all(text, params) {
      let statement = statements.get(text)
      if (!statement) statements.set(text, (statement = db.prepare(text)))
      return statement.all(...params)
    },
    async close() {
      db.close()
    },
  }
}

/** Connects to PostgreSQL with `schema` first on the search path. */
export async function postgresRaw(connectionString, schema) {
  const { Client } = require('pg')
  const client = new Client({ connectionString })
  await client.connect()
  await client.query(`SET search_path TO ${schema}`)
  return {
    tagValue: (key) => `(tags::jsonb ->> '${key}')`,
    async all(text, params) {
      let n = 0
      const { rows } = await client.query(
        text.replace(/\?/g, () => `$${++n}`),
        params,
      )
      return rows
    },
    async close() {
      await client.end()
    },
  }
}

const SUMS = `COUNT(*) AS calls,
  SUM(input_tokens) AS input_tokens, SUM(cache_read_tokens) AS cache_read_tokens,
  SUM(cache_write_tokens) AS cache_write_tokens, SUM(output_tokens) AS output_tokens,
  SUM(reasoning_tokens) AS reasoning_tokens,
  CAST(SUM(cost_pico) AS TEXT) AS cost, CAST(SUM(cache_savings_pico) AS TEXT) AS cache_savings,
  CAST(SUM(reported_cost_pico) AS TEXT) AS reported_cost,
  CAST(SUM(CASE WHEN reported_cost_pico IS NOT NULL THEN cost_pico END) AS TEXT) AS computed_of_reported,
  SUM(CASE WHEN cost_pico IS NULL THEN 1 ELSE 0 END) AS unpriced,
  SUM(CASE WHEN status = 'error' THEN 1 ELSE 0 END) AS errors,
  SUM(CASE WHEN status = 'aborted' THEN 1 ELSE 0 END) AS aborted,
  COUNT(reported_cost_pico) AS reported`

const pico = (value) => (value === null || value === undefined ? 0n : BigInt(value))

/**
 * Plain GROUP BY over the raw calls of [since, until), one row per group, money as bigint; with
 * `tag` ([key, value]) only the calls whose `tags` JSON holds it.
 */
async function grouped(engine, keys, since, until, tag) {
  const tagged = tag === undefined ? '' : ` AND ${engine.tagValue(tag[0])} = ?`
  const rows = await engine.all(
    `SELECT ${keys.join(', ')}, ${SUMS} FROM calls WHERE ts >= ? AND ts < ?${tagged} GROUP BY ${keys.map((_, i) => i + 1).join(', ')}`,
    tag === undefined ? [since, until] : [since, until, tag[1]],
  )
  return rows.map((row) => ({
    model: row.model ?? null,
    provider: row.provider,
    calls: Number(row.calls),
    tokens: ['input', 'cache_read', 'cache_write', 'output', 'reasoning'].map((k) =>
      Number(row[`${k}_tokens`]),
    ),
    cost: pico(row.cost),
    cacheSavings: pico(row.cache_savings),
    reportedCost: row.reported_cost === null ? null : pico(row.reported_cost),
    computedOfReported: pico(row.computed_of_reported),
    unpriced: Number(row.unpriced),
    errors: Number(row.errors),
    aborted: Number(row.aborted),
    reported: Number(row.reported),
  }))
}

function add(rows) {
  const t = {
    calls: 0,
    tokens: [0, 0, 0, 0, 0],
    cost: 0n,
    cacheSavings: 0n,
    reportedCost: 0n,
    computedOfReported: 0n,
    unpriced: 0,
    errors: 0,
    aborted: 0,
    reported: 0,
  }
  for (const r of rows) {
    t.calls += r.calls
    r.tokens.forEach((n, i) => (t.tokens[i] += n))
    t.cost += r.cost
    t.cacheSavings += r.cacheSavings
    t.reportedCost += r.reportedCost ?? 0n
    t.computedOfReported += r.computedOfReported
    t.unpriced += r.unpriced
    t.errors += r.errors
    t.aborted += r.aborted
    t.reported += r.reported
  }
  return t
}

/** The overview cards' figures (same shape as the fields of GET /api/overview they check). */
export async function rawOverview(engine, since, until, tag) {
  const rows = await grouped(engine, ['model', 'provider'], since, until, tag)
  const t = add(rows)
  const compared = add(rows.filter((r) => r.reported > 0 && r.unpriced === 0))
  const uncompared = add(rows.filter((r) => r.reported > 0 && r.unpriced > 0))
  const [input, cacheRead, cacheWrite, output, reasoning] = t.tokens
  return {
    calls: t.calls,
    pricedCalls: t.calls - t.unpriced,
    unpricedCalls: t.unpriced,
    errorCalls: t.errors,
    abortedCalls: t.aborted,
    cost: usdFromPico(t.cost),
    cacheSavings: usdFromPico(t.cacheSavings),
    tokens: {
      input,
      freshInput: input - cacheRead - cacheWrite,
      cacheRead,
      cacheWrite,
      output,
      reasoning,
    },
    reported:
      t.reported === 0
        ? null
        : {
            calls: compared.reported,
            reportedCost: usdFromPico(compared.reportedCost),
            computedCost: usdFromPico(compared.computedOfReported),
            gap: usdFromPico(compared.reportedCost - compared.computedOfReported),
            uncomparedCalls: uncompared.reported,
            uncomparedReportedCost: usdFromPico(uncompared.reportedCost),
          },
  }
}

/**
 * Spend by `key` (model or provider): one entry per group, keyed by its value; with `tag`
 * ([key, value]) of the calls that carry it only.
 */
export async function rawBreakdown(engine, key, since, until, tag) {
  // Models the pricing table does not know are grouped by the id served, else requested; a group
  // with no priced call costs null (unknown), as the store answers.
  const column = key === 'model' ? 'COALESCE(model, served_model, requested_model) AS model' : key
  const rows = await grouped(engine, [column], since, until, tag)
  const t = add(rows)
  return {
    total: usdFromPico(t.cost),
    calls: t.calls,
    rows: Object.fromEntries(
      rows.map((r) => [
        String(r[key]),
        {
          calls: r.calls,
          unpricedCalls: r.unpriced,
          cost: r.unpriced === r.calls ? null : usdFromPico(r.cost),
          cacheSavings: usdFromPico(r.cacheSavings),
          reportedCost: r.reportedCost === null ? null : usdFromPico(r.reportedCost),
        },
      ]),
    ),
  }
}

/** The first page of calls, newest first, and how many there are (`unpriced`: cost IS NULL only). */
export async function rawCallsPage(engine, since, until, { limit, unpriced = false }) {
  const filter = `ts >= ? AND ts < ?${unpriced ? ' AND cost_pico IS NULL' : ''}`
  const [rows, count] = await Promise.all([
    engine.all(`SELECT * FROM calls WHERE ${filter} ORDER BY ts DESC, id DESC LIMIT ?`, [
      since,
      until,
      limit,
    ]),
    engine.all(`SELECT COUNT(*) AS n FROM calls WHERE ${filter}`, [since, until]),
  ])
  return { total: Number(count[0].n), ids: rows.map((row) => row.id) }
}

/** Spend by the values of one tag key (GET /api/tags): calls and cost per value, no tag as null. */
export async function rawTagSpend(engine, key, since, until) {
  const rows = await engine.all(
    `SELECT ${engine.tagValue(key)} AS value, COUNT(*) AS calls, CAST(SUM(cost_pico) AS TEXT) AS cost
     FROM calls WHERE ts >= ? AND ts < ? GROUP BY 1`,
    [since, until],
  )
  return {
    calls: rows.reduce((n, r) => n + Number(r.calls), 0),
    total: usdFromPico(rows.reduce((sum, r) => sum + pico(r.cost), 0n)),
    values: Object.fromEntries(
      rows.map((r) => [
        String(r.value ?? null),
        { calls: Number(r.calls), cost: usdFromPico(pico(r.cost)) },
      ]),
    ),
  }
}
