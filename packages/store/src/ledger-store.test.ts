import { isTokenledgerError, picoFromUsd, usdFromPico } from '@tokenledger/pricing'
import type { Usd } from '@tokenledger/pricing'
import { sql } from 'kysely'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { CallRecord } from './call-record.js'
import type { LedgerStore } from './ledger-store.js'
import { migrateToLatest } from './migrations/run-migrations.js'
import { LATEST_VERSION } from './migrations/index.js'
import { openStore } from './open-store.js'
import { ENGINES } from './testing/test-engines.js'
import type { LedgerFixture } from './testing/test-engines.js'
import { createRecordFactory } from './testing/record-factory.js'

const usd = (value: string) => value as Usd

/** Every field set, nothing left at a default. */
const FULL: CallRecord = {
  id: '7c0a3f9e-1d2b-4c5d-8e6f-000000000001',
  timestamp: '2026-05-03T10:15:30.123Z',
  provider: 'openrouter',
  requestedModel: 'deepseek/deepseek-v4-flash',
  servedModel: 'deepseek/deepseek-v4-flash-20260424',
  model: 'deepseek-v4-flash',
  upstreamProvider: 'DeepSeek',
  endpoint: '/chat/completions',
  stream: true,
  status: 'ok',
  httpStatus: 200,
  errorType: null,
  usage: {
    inputTokens: 1_048_000,
    cacheReadTokens: 900_000,
    cacheWriteTokens: 4_000,
    cacheWrite1hTokens: 1_000,
    outputTokens: 384_000,
    reasoningTokens: 315_000,
    provenance: {
      inputTokens: 'reported',
      cacheReadTokens: 'derived',
      cacheWriteTokens: 'reported',
      outputTokens: 'estimated',
      reasoningTokens: 'missing',
    },
  },
  cost: usd('0.1312624'),
  costBreakdown: {
    input: usd('0.02016'),
    cacheRead: usd('0.00252'),
    cacheWrite: usd('0.00056'),
    output: usd('0.10752'),
  },
  cacheSavings: usd('0.12348'),
  card: 'openrouter/deepseek-v4-flash@2026-04-24T00:00:00.000Z+batch',
  reportedCost: usd('0.0918837'),
  latencyMs: 45_210,
  timeToFirstTokenMs: 812,
  requestId: 'gen-1777-abc',
  serviceTier: 'batch',
  tags: { user: 'zoë', feature: 'summarise', 'team/name': 'data: "eng"' },
}

/** An unpriced error call: every nullable field null, no tags. */
const BARE: CallRecord = {
  id: '7c0a3f9e-1d2b-4c5d-8e6f-000000000002',
  timestamp: '2026-05-03T10:16:00.000Z',
  provider: 'oxen',
  requestedModel: 'mystery-model',
  servedModel: null,
  model: null,
  upstreamProvider: null,
  endpoint: '/chat/completions',
  stream: false,
  status: 'error',
  httpStatus: null,
  errorType: null,
  usage: {
    inputTokens: 0,
    cacheReadTokens: 0,
    cacheWriteTokens: 0,
    outputTokens: 0,
    reasoningTokens: 0,
    provenance: {
      inputTokens: 'missing',
      cacheReadTokens: 'missing',
      cacheWriteTokens: 'missing',
      outputTokens: 'missing',
      reasoningTokens: 'missing',
    },
  },
  cost: null,
  costBreakdown: null,
  cacheSavings: null,
  card: null,
  reportedCost: null,
  latencyMs: null,
  timeToFirstTokenMs: null,
  requestId: null,
  serviceTier: null,
  tags: {},
}

async function countRows(store: LedgerStore, table: 'calls' | 'call_tags'): Promise<number> {
  const row = await store.db
    .selectFrom(table)
    .select(sql<string | number>`COUNT(*)`.as('n'))
    .executeTakeFirstOrThrow()
  return Number(row.n)
}

for (const engine of ENGINES) {
  describe.skipIf(engine.skip !== null)(`LedgerStore on ${engine.name}`, () => {
    let fixture: LedgerFixture
    let store: LedgerStore

    beforeEach(async () => {
      fixture = await engine.fresh()
      store = await openStore(fixture.url)
    })
    afterEach(async () => {
      await store?.close()
      await fixture?.cleanup()
    })

    it('opens the engine the URL names', () => {
      expect(store.dialect).toBe(engine.name)
      expect(store.readOnly).toBe(false)
    })

    it('reads back every field of a record exactly', async () => {
      await store.insert([FULL, BARE])
      expect(await store.getCall(FULL.id)).toStrictEqual(FULL)
      expect(await store.getCall(BARE.id)).toStrictEqual(BARE)
      expect(await store.getCall('no-such-id')).toBeNull()
      expect(await countRows(store, 'call_tags')).toBe(3)
    })

    it('keeps money exact beyond 2^53 picodollars and sums past the 64-bit range', async () => {
      // 9,000 USD is 9e15 pUSD, beyond a double's exact integers; three 4M USD calls sum past
      // 2^63 pUSD (about 9.22M USD), which a plain SQLite SUM would refuse.
      const big = (i: number, cost: string): CallRecord => ({
        ...BARE,
        id: `big-${i}`,
        status: 'ok',
        timestamp: `2026-05-0${i + 1}T00:00:00.000Z`,
        cost: usd(cost),
        costBreakdown: {
          input: usd(cost),
          cacheRead: usd('0'),
          cacheWrite: usd('0'),
          output: usd('0'),
        },
      })
      const records = [
        big(0, '9000.123456789012'),
        big(1, '4000000.000000000001'),
        big(2, '4000000.000000000001'),
        big(3, '4000000.000000000001'),
      ]
      await store.insert(records)
      expect((await store.getCall('big-0'))?.cost).toBe('9000.123456789012')
      const [total] = await store.summarize({})
      expect(total?.cost).toBe('12009000.123456789015')
      const byDay = await store.summarize({ groupBy: ['day'] })
      expect(byDay.map((row) => row.cost)).toEqual([
        '9000.123456789012',
        '4000000.000000000001',
        '4000000.000000000001',
        '4000000.000000000001',
      ])
    })

    it('is idempotent on id: a retried batch never counts twice', async () => {
      const records = createRecordFactory({ seed: 11 }).batch(100)
      await store.insert(records.slice(0, 60))
      await store.insert(records) // 60 already stored, 40 new
      // The same id twice in one batch: the first one wins, as with a retry.
      const duplicate = { ...records[99]!, id: 'dup', cost: usd('1') }
      await store.insert([duplicate, { ...duplicate, cost: usd('2') }])
      expect(await countRows(store, 'calls')).toBe(101)
      expect((await store.getCall('dup'))?.cost).toBe('1')
      const [total] = await store.summarize({})
      expect(total?.calls).toBe(101)
      const expected = records.reduce(
        (sum, r) => sum + (r.cost ? picoFromUsd(r.cost) : 0n),
        picoFromUsd('1'),
      )
      expect(total?.cost).toBe(usdFromPico(expected))
      const tags =
        records.reduce((n, r) => n + Object.keys(r.tags).length, 0) +
        Object.keys(duplicate.tags).length
      expect(await countRows(store, 'call_tags')).toBe(tags)
    })

    it('writes a batch atomically: one bad record stores nothing', async () => {
      const good = createRecordFactory({ seed: 12 }).batch(3)
      const badCost = { ...good[1]!, cost: usd('1e-5') }
      const error = await store.insert([good[0]!, badCost, good[2]!]).catch((e: unknown) => e)
      expect(isTokenledgerError(error, 'RECORD_INVALID')).toBe(true)
      expect((error as Error).message).toBe(
        `insert: records[1] (id ${good[1]!.id}): cost: expected a decimal USD amount with at most 12 places, got "1e-5"`,
      )
      const badUsage = {
        ...good[2]!,
        usage: { ...good[2]!.usage, inputTokens: 10, cacheReadTokens: 20 },
      }
      const usageError = await store.insert([good[0]!, badUsage]).catch((e: unknown) => e)
      expect(isTokenledgerError(usageError, 'USAGE_INVALID')).toBe(true)
      expect((usageError as Error).message).toContain('insert: records[1]')
      const badTime = { ...good[0]!, timestamp: 'yesterday' }
      await expect(store.insert([badTime])).rejects.toThrow(
        /records\[0\].*timestamp: expected an ISO 8601 date-time, got "yesterday"/,
      )
      expect(await countRows(store, 'calls')).toBe(0)
      const [total] = await store.summarize({})
      expect(total?.calls).toBe(0)
    })

    it('migrates once: opening again applies nothing', async () => {
      const again = await openStore(fixture.url)
      const result = await migrateToLatest(again.db, again.dialect, schemaOf(fixture.url))
      expect(result).toEqual({ from: LATEST_VERSION, to: LATEST_VERSION, applied: [] })
      const versions = await again.db
        .selectFrom('tokenledger_migrations')
        .select(['version', 'name'])
        .orderBy('version')
        .execute()
      expect(versions.map((v) => [Number(v.version), v.name])).toEqual([
        [1, 'initial'],
        [2, 'call-tags-by-time'],
        [3, 'int8-counts'],
        [4, 'budget-reservations'],
        [5, 'daily-rollups'],
        [6, 'raw-parts-by-time'],
        [7, 'tag-rollups'],
        [8, 'self-contained-rollups'],
        [9, 'drop-raw-parts-indexes'],
        [10, 'reservation-call-index'],
      ])
      await again.close()
    })

    it('refuses a ledger whose schema is newer than it understands', async () => {
      await store.db
        .insertInto('tokenledger_migrations')
        .values({ version: 99, name: 'from-the-future', applied_at: new Date().toISOString() })
        .execute()
      await expect(openStore(fixture.url)).rejects.toThrow(
        new RegExp(
          `schema version 99 is newer than this tokenledger understands \\(${LATEST_VERSION}\\); upgrade tokenledger`,
        ),
      )
      await expect(openStore(fixture.url, { readOnly: true })).rejects.toThrow(
        /version 99 is newer/,
      )
    })

    it('listCalls: the total beside every page, past the last one too, as a plain count says', async () => {
      // A spread over 4 days (rollup days and hours, and a partial hour at each end), some unpriced.
      const start = Date.parse('2026-05-01T10:20:00.000Z')
      const records = createRecordFactory({ seed: 8, start: new Date(start), stepMs: 97_000 })
        .batch(3600)
        .map((record, i) => (i % 7 === 0 ? { ...record, cost: null, costBreakdown: null } : record))
      await store.insert(records)
      const since = new Date(start + 3 * 3_600_000 + 1234)
      const until = new Date(start + 70 * 3_600_000 + 5678)
      const inRange = records.filter(
        (r) =>
          Date.parse(r.timestamp) >= since.getTime() && Date.parse(r.timestamp) < until.getTime(),
      )
      const unpriced = inRange.filter((r) => r.cost === null).length
      expect(unpriced).toBeGreaterThan(0)
      for (const [priced, expected] of [
        [undefined, inRange.length],
        [true, inRange.length - unpriced],
        [false, unpriced],
      ] as const) {
        const filter = { since, until, ...(priced === undefined ? {} : { priced }) }
        for (const offset of [0, 40, expected - 3, expected, expected + 100]) {
          const page = await store.listCalls({ ...filter, limit: 25, offset })
          expect(page.total, `priced ${priced}, offset ${offset}`).toBe(expected)
          expect(page.rows.length).toBe(Math.max(0, Math.min(25, expected - offset)))
        }
      }
    })

    it('insertSync: SQLite writes synchronously (for exit handlers); PostgreSQL has none', async () => {
      if (engine.name === 'postgres') {
        expect(store.insertSync).toBeUndefined()
        return
      }
      store.insertSync!([FULL])
      expect(await store.getCall(FULL.id)).toStrictEqual(FULL)
      store.insertSync!([FULL, BARE])
      expect((await store.listCalls({ limit: 10, offset: 0 })).total).toBe(2)
      const tooCostly = { ...BARE, id: 'too-costly', cost: '9300000' as Usd }
      expect(() => store.insertSync!([tooCostly])).toThrow(
        /insertSync: records\[0\] \(id too-costly\): cost: 9300000 USD is beyond what the ledger stores/,
      )
    })

    it('read-only: reads work, every write is refused', async () => {
      await store.insert([FULL])
      const reader = await openStore(fixture.url, { readOnly: true })
      try {
        expect(reader.readOnly).toBe(true)
        expect(await reader.getCall(FULL.id)).toStrictEqual(FULL)
        const error = await reader.insert([BARE]).catch((e: unknown) => e)
        expect(isTokenledgerError(error, 'STORE_UNAVAILABLE')).toBe(true)
        expect((error as Error).message).toMatch(/insert: the store was opened read-only/)
        await expect(
          reader.updateCosts([
            {
              id: FULL.id,
              cost: null,
              costBreakdown: null,
              cacheSavings: null,
              card: null,
              model: null,
            },
          ]),
        ).rejects.toThrow(/read-only/)
        // Even SQL sent through the escape hatch cannot write: the connection itself is read-only.
        await expect(reader.db.deleteFrom('calls').execute()).rejects.toThrow(/read-?only/i)
      } finally {
        await reader.close()
      }
      expect(await store.getCall(FULL.id)).toStrictEqual(FULL)
    })

    it('read-only: a missing ledger fails clearly and nothing is created', async () => {
      const empty = await engine.fresh()
      try {
        const error = await openStore(empty.url, { readOnly: true }).catch((e: unknown) => e)
        expect(isTokenledgerError(error, 'STORE_UNAVAILABLE')).toBe(true)
        expect((error as Error).message).toMatch(
          engine.name === 'sqlite'
            ? /cannot open read-only.*expected an existing ledger file/
            : /no tokenledger schema/,
        )
      } finally {
        await empty.cleanup()
      }
    })

    it('a closed store refuses work', async () => {
      await store.close()
      await expect(store.summarize({})).rejects.toThrow(/the store is closed/)
      await store.close() // closing twice is harmless
    })
  })
}

function schemaOf(url: string): string | undefined {
  return /[?&]schema=([A-Za-z0-9_]+)/.exec(url)?.[1]
}
