import { mkdtempSync, rmSync } from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { isTokenledgerError } from '@tokenledger/pricing'
import type { Usd } from '@tokenledger/pricing'
import pg from 'pg'
import { describe, expect, it } from 'vitest'
import type { CallRecord } from '../call-record.js'
import { openStore } from '../open-store.js'
import { ENGINES, PG_URL } from '../testing/test-engines.js'
import { CALL_COLUMN_SPECS, CALL_COLUMNS } from './call-columns.js'
import { rowFromRecord, rowFromValues } from './row-from-record.js'

const usd = (amount: string) => amount as Usd

/** A record with every field set, written out by hand. */
const RECORD: CallRecord = {
  id: 'call-1',
  timestamp: '2026-03-01T12:30:00.250+01:00',
  provider: 'openrouter',
  requestedModel: 'claude-sonnet',
  servedModel: 'anthropic/claude-sonnet-4',
  model: 'anthropic/claude-sonnet-4',
  upstreamProvider: 'Anthropic',
  endpoint: '/chat/completions',
  stream: true,
  status: 'ok',
  httpStatus: 200,
  errorType: null,
  usage: {
    inputTokens: 1000,
    cacheReadTokens: 600,
    cacheWriteTokens: 100,
    cacheWrite1hTokens: 40,
    outputTokens: 50,
    reasoningTokens: 10,
    provenance: {
      inputTokens: 'reported',
      cacheReadTokens: 'reported',
      cacheWriteTokens: 'derived',
      outputTokens: 'reported',
      reasoningTokens: 'missing',
    },
  },
  cost: usd('0.00123'),
  costBreakdown: {
    input: usd('0.0009'),
    cacheRead: usd('0.00018'),
    cacheWrite: usd('0.0000375'),
    output: usd('0.0001125'),
  },
  cacheSavings: usd('-0.5'),
  card: 'anthropic/claude-sonnet-4@2025-05-22',
  reportedCost: usd('12.500000000000'),
  latencyMs: 812,
  timeToFirstTokenMs: 95,
  requestId: 'req-9',
  serviceTier: null,
  tags: { user: 'ada', feature: 'chat "beta"' },
}

describe('rowFromRecord', () => {
  it('binds every field in its column, converted', () => {
    // The expected values are written by hand, column by column, not derived from the table.
    expect(
      Object.fromEntries(CALL_COLUMNS.map((c, i) => [c, rowFromRecord(RECORD, 'x').values[i]])),
    ).toEqual({
      id: 'call-1',
      ts: Date.UTC(2026, 2, 1, 11, 30, 0, 250),
      provider: 'openrouter',
      requested_model: 'claude-sonnet',
      served_model: 'anthropic/claude-sonnet-4',
      model: 'anthropic/claude-sonnet-4',
      upstream_provider: 'Anthropic',
      endpoint: '/chat/completions',
      stream: 1,
      status: 'ok',
      http_status: 200,
      error_type: null,
      input_tokens: 1000,
      cache_read_tokens: 600,
      cache_write_tokens: 100,
      cache_write_1h_tokens: 40,
      output_tokens: 50,
      reasoning_tokens: 10,
      usage_provenance:
        '{"inputTokens":"reported","cacheReadTokens":"reported","cacheWriteTokens":"derived","outputTokens":"reported","reasoningTokens":"missing"}',
      cost_pico: 1_230_000_000n,
      cost_input_pico: 900_000_000n,
      cost_cache_read_pico: 180_000_000n,
      cost_cache_write_pico: 37_500_000n,
      cost_output_pico: 112_500_000n,
      cache_savings_pico: -500_000_000_000n,
      card: 'anthropic/claude-sonnet-4@2025-05-22',
      reported_cost_pico: 12_500_000_000_000n,
      latency_ms: 812,
      ttft_ms: 95,
      request_id: 'req-9',
      service_tier: null,
      tags: '{"user":"ada","feature":"chat \\"beta\\""}',
    })
  })

  it('writes absent optional fields as null, 0 or {}', () => {
    const { cacheSavings: _, ...rest } = RECORD
    const bare = {
      ...rest,
      usage: { ...RECORD.usage, cacheWrite1hTokens: undefined },
      costBreakdown: null,
      tags: undefined,
    } as unknown as CallRecord
    const row = rowFromRecord(bare, 'x')
    const value = (column: (typeof CALL_COLUMNS)[number]) =>
      row.values[CALL_COLUMNS.indexOf(column)]
    expect(value('cache_write_1h_tokens')).toBe(0)
    expect(value('cost_input_pico')).toBeNull()
    expect(value('cost_output_pico')).toBeNull()
    expect(value('cache_savings_pico')).toBeNull()
    expect(value('tags')).toBe('{}')
    expect(row.tags).toEqual({})
  })

  it('gives the writers and rollups the converted fields', () => {
    expect(rowFromRecord(RECORD, 'x')).toMatchObject({
      id: 'call-1',
      ts: Date.UTC(2026, 2, 1, 11, 30, 0, 250),
      provider: 'openrouter',
      model: 'anthropic/claude-sonnet-4',
      upstream: 'Anthropic',
      status: 'ok',
      inputTokens: 1000,
      cacheReadTokens: 600,
      cacheWriteTokens: 100,
      outputTokens: 50,
      reasoningTokens: 10,
      costPico: 1_230_000_000n,
      cacheSavingsPico: -500_000_000_000n,
      reportedCostPico: 12_500_000_000_000n,
      tags: { user: 'ada', feature: 'chat "beta"' },
    })
  })

  const broken: Array<[string, Record<string, unknown>, string]> = [
    ['id', { id: '' }, 'id: expected a non-empty string'],
    ['timestamp', { timestamp: '2026-13-01' }, 'timestamp: expected an ISO 8601 date-time'],
    ['provider', { provider: undefined }, 'provider: expected a non-empty string'],
    ['requestedModel', { requestedModel: 42 }, 'requestedModel: expected a string'],
    ['card', { card: 7 }, 'card: expected a string or null'],
    ['status', { status: 'done' }, 'status: expected ok, error or aborted, got "done"'],
    ['httpStatus', { httpStatus: 1000 }, 'httpStatus: expected an integer from 0 to 999'],
    ['latencyMs', { latencyMs: -1 }, 'latencyMs: expected an integer from 0 to'],
    [
      'a provenance',
      { usage: { ...RECORD.usage, provenance: { ...RECORD.usage.provenance, outputTokens: 'x' } } },
      'usage.provenance.outputTokens: expected reported, derived, estimated or missing',
    ],
    ['money', { cost: '1e-5' }, 'cost: expected a decimal USD amount with at most 12 places'],
    [
      'a breakdown part',
      { costBreakdown: { ...RECORD.costBreakdown, output: 0.1 } },
      'costBreakdown.output: expected a decimal USD amount with at most 12 places, got 0.1',
    ],
    [
      'money beyond the columns',
      { reportedCost: '9300000' },
      'reportedCost: 9300000 USD is beyond what the ledger stores',
    ],
    ['a tag', { tags: { user: 3 } }, 'tags.user: expected a string value'],
  ]
  for (const [what, change, message] of broken) {
    it(`refuses a bad ${what} as RECORD_INVALID, naming the record and the field`, () => {
      const bad = { ...RECORD, ...change } as CallRecord
      let error: unknown
      try {
        rowFromRecord(bad, () => 'insert: records[3]')
      } catch (thrown) {
        error = thrown
      }
      expect(isTokenledgerError(error, 'RECORD_INVALID')).toBe(true)
      expect((error as Error).message).toContain(`insert: records[3]: ${message}`)
    })
  }

  it('refuses a broken usage as USAGE_INVALID and a non-object as RECORD_INVALID', () => {
    const overlap = { ...RECORD, usage: { ...RECORD.usage, cacheReadTokens: 950 } }
    expect(() => rowFromRecord(overlap, 'r')).toThrow(/^r: usage\.cacheReadTokens \+ cacheWrite/)
    expect(() => rowFromRecord(null as unknown as CallRecord, 'r')).toThrow(
      'r: expected a CallRecord object',
    )
  })
})

describe('the column table against the ledger schema', () => {
  it('names every column of the SQLite calls table, in the table order', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tokenledger-columns-'))
    try {
      const path = join(dir, 'ledger.db')
      await (await openStore(`sqlite:${path}`)).close()
      const Database = createRequire(import.meta.url)('better-sqlite3') as new (path: string) => {
        prepare(sql: string): { all(): Array<{ name: string }> }
        close(): void
      }
      const db = new Database(path)
      const columns = db.prepare('PRAGMA table_info(calls)').all()
      db.close()
      expect(columns.map(({ name }) => name)).toEqual(CALL_COLUMNS)
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })

  const postgres = ENGINES.find((engine) => engine.name === 'postgres')
  it.skipIf(!postgres || postgres.skip !== null)(
    "gives each column its PostgreSQL type (the writer's casts)",
    async () => {
      const fixture = await postgres!.fresh()
      await (await openStore(fixture.url)).close()
      const schema = new URL(fixture.url).searchParams.get('schema') ?? 'public'
      const admin = new pg.Client({ connectionString: PG_URL })
      await admin.connect()
      try {
        const { rows } = await admin.query<{ column_name: string; data_type: string }>(
          'SELECT column_name, data_type FROM information_schema.columns WHERE table_schema = $1 AND table_name = $2',
          [schema, 'calls'],
        )
        const types = Object.fromEntries(rows.map((row) => [row.column_name, row.data_type]))
        expect(types).toEqual(
          Object.fromEntries(CALL_COLUMN_SPECS.map(({ name, codec }) => [name, codec.pgType])),
        )
      } finally {
        await admin.end()
        await fixture.cleanup()
      }
    },
  )
})

describe('rowFromValues (what the SQLite write thread receives)', () => {
  it('rebuilds the very row from its column values, tags included', () => {
    const row = rowFromRecord(RECORD, 'test')
    expect(Object.keys(RECORD.tags).length).toBeGreaterThan(0)
    expect(rowFromValues(structuredClone(row.values))).toEqual(row)
    const untagged = rowFromRecord({ ...RECORD, tags: {} }, 'test')
    expect(rowFromValues(structuredClone(untagged.values))).toEqual(untagged)
  })
})
