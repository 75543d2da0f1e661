/**
 * The tag rollups on both engines: after a chunked backfill (with calls written between its
 * chunks, before and after its watermark), further inserts and a reprice, every hourly and daily
 * tag row is exactly a raw GROUP BY of the calls; queries naming one rolled-up key read them and
 * answer what the raw calls say; a key not rolled up, or two keys at once, still answer from the
 * raw calls.
 */
import type { Usd } from '@tokenledger/pricing'
import { sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { expectedSeries, expectedSummary, matches } from './__fixtures__/expected-summary.js'
import type { CallRecord } from './call-record.js'
import type { GroupKey, LedgerQuery, LedgerStore, TagRollupProgress } from './ledger-store.js'
import { openStore } from './open-store.js'
import { planLedgerQuery } from './queries/query-source.js'
import { summarize } from './queries/summarize.js'
import { ROLLUP_SUM_COLUMNS } from './rollups.js'
import { tagValue } from './queries/tag-value.js'
import { createRecordFactory } from './testing/record-factory.js'
import { ENGINES } from './testing/test-engines.js'
import type { LedgerFixture } from './testing/test-engines.js'

const HOUR = 3_600_000
const DAY = 86_400_000

/**
 * The tag rows of `key` as stored, and as a raw GROUP BY of `calls` computes them, both as sorted
 * JSON lines (every column as text).
 */
async function bothWays(
  store: LedgerStore,
  key: string,
  grain: 'hour' | 'day',
): Promise<{ raw: string[]; stored: string[] }> {
  const [table, time, size] =
    grain === 'hour'
      ? ['call_tag_rollups', 'hour_ts', HOUR]
      : ['call_tag_rollups_daily', 'day_ts', DAY]
  const value = tagValue(store.dialect, key, 'c')
  const text = (expr: string) => sql.raw(`CAST(${expr} AS TEXT)`)
  const sums = [
    'COUNT(*)',
    'COUNT(c.cost_pico)',
    'COUNT(c.reported_cost_pico)',
    'SUM(c.input_tokens)',
    'SUM(c.cache_read_tokens)',
    'SUM(c.cache_write_tokens)',
    'SUM(c.output_tokens)',
    'SUM(c.reasoning_tokens)',
    'COALESCE(SUM(c.cost_pico), 0)',
    'COALESCE(SUM(c.cache_savings_pico), 0)',
    'COALESCE(SUM(c.reported_cost_pico), 0)',
    'COALESCE(SUM(CASE WHEN c.reported_cost_pico IS NOT NULL THEN c.cost_pico END), 0)',
  ]
  const { rows: raw } = await sql<Record<string, unknown>>`
    SELECT CASE WHEN ${value} IS NULL THEN '0' ELSE '1' END AS tagged,
      COALESCE(${value}, '') AS tag_value,
      CASE WHEN c.model IS NULL THEN COALESCE(c.served_model, c.requested_model) ELSE '' END
        AS unknown_model,
      CASE WHEN c.cost_pico IS NULL THEN '0' ELSE '1' END AS priced,
      ${text(`c.ts - c.ts % ${size}`)} AS t, c.provider, COALESCE(c.model, '') AS model,
      COALESCE(c.upstream_provider, '') AS upstream, c.status,
      ${sql.join(sums.map((s, i) => sql`${text(s)} AS ${sql.ref(ROLLUP_SUM_COLUMNS[i]!)}`))}
    FROM calls c GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9`.execute(store.db)
  const { rows: stored } = await sql<Record<string, unknown>>`
    SELECT ${text('tagged')} AS tagged, tag_value, unknown_model, ${text('priced')} AS priced,
      ${text(time)} AS t, provider, model, upstream,
      status, ${sql.join(ROLLUP_SUM_COLUMNS.map((c) => sql`${text(c)} AS ${sql.ref(c)}`))}
    FROM ${sql.table(table)} WHERE tag_key = ${key}`.execute(store.db)
  const lines = (rows: Record<string, unknown>[]) => rows.map((r) => JSON.stringify(r)).sort()
  return { raw: lines(raw), stored: lines(stored) }
}

async function expectExact(store: LedgerStore, keys: string[]): Promise<void> {
  for (const key of keys) {
    for (const grain of ['hour', 'day'] as const) {
      const { raw, stored } = await bothWays(store, key, grain)
      expect(stored.length, `${key} ${grain}`).toBeGreaterThan(0)
      expect(stored, `${key} ${grain}`).toEqual(raw)
    }
  }
}

async function allCalls(store: LedgerStore): Promise<CallRecord[]> {
  const stored: CallRecord[] = []
  for await (const page of store.iterateCalls({})) stored.push(...page)
  return stored
}

for (const engine of ENGINES) {
  describe.skipIf(engine.skip !== null)(`tag rollups on ${engine.name}`, () => {
    let fixture: LedgerFixture
    let store: LedgerStore
    // Six days, every 17 minutes; `env` is on about 30% of the calls (the rest are untagged).
    const factory = createRecordFactory({
      seed: 53,
      start: '2026-04-01T03:11:00.000Z',
      stepMs: 17 * 60_000,
    })
    const first = factory.batch(400)
    const later = factory.batch(200)
    // Written between backfill chunks: one before the first watermark, one long after.
    const early = createRecordFactory({ seed: 54, start: '2026-03-31T22:00:00.000Z' }).batch(3)
    const progress: TagRollupProgress[] = []

    beforeAll(async () => {
      fixture = await engine.fresh()
      store = await openStore(fixture.url)
      await store.insert(first)
    })
    afterAll(async () => {
      await store?.close()
      await fixture?.cleanup()
    })

    it('an empty setting by default; a backfill in chunks, exact with writes between chunks', async () => {
      expect(await store.tagRollupKeys()).toEqual([])
      let wrote: Promise<void> | undefined
      const setting = await store.setTagRollupKeys(['user', 'env'], {
        chunkCalls: 90,
        onProgress: (p) => {
          progress.push(p)
          // Between two chunks of the first key: calls older than the watermark (the writers
          // add them) and newer ones (the backfill will); each counted once.
          if (wrote === undefined && p.key === 'user' && !p.complete)
            wrote = store.insert([...early, later[0]!])
        },
      })
      await wrote
      expect(setting).toEqual([
        { key: 'env', complete: true, backfilledUntil: null },
        { key: 'user', complete: true, backfilledUntil: null },
      ])
      expect(progress.filter((p) => p.key === 'user').length).toBeGreaterThan(4)
      expect(progress.at(-1)).toMatchObject({ key: 'env', complete: true })
      await expectExact(store, ['user', 'env'])
    })

    it('inserts and a reprice keep every tag row exact', async () => {
      await store.insert(later)
      await expectExact(store, ['user', 'env'])
      const updates = first.slice(0, 150).map((r, i) => ({
        id: r.id,
        cost: i % 3 === 0 ? null : ('0.000321' as Usd),
        costBreakdown: null,
        cacheSavings: null,
        card: null,
        model: i % 4 === 0 ? 'deepseek-v4-pro' : r.model,
      }))
      await store.updateCosts(updates)
      await expectExact(store, ['user', 'env'])
      for (const table of ['call_tag_rollups', 'call_tag_rollups_daily']) {
        const { rows } = await sql<{ n: unknown }>`
          SELECT COUNT(*) AS n FROM ${sql.table(table)} WHERE calls = 0`.execute(store.db)
        expect(Number(rows[0]!.n)).toBe(0)
      }
    })

    it('queries naming one rolled-up key read its rollups and answer what the raw calls say', async () => {
      const stored = await allCalls(store)
      const ranges: LedgerQuery[] = [
        {},
        { since: new Date('2026-04-02T00:00:00Z'), until: new Date('2026-04-05T00:00:00Z') },
        { since: new Date('2026-04-01T07:41:10Z'), until: new Date('2026-04-06T02:03:00Z') },
        { provider: 'openrouter', since: new Date('2026-04-02T11:00:00Z') },
        { model: 'deepseek-v4-pro', status: 'ok', until: new Date('2026-04-04T13:30:00Z') },
        // A model the pricing table does not know, named by its raw id.
        { model: 'deepseek-v9-experimental', since: new Date('2026-04-02T00:00:00Z') },
      ]
      const shapes: { tags?: Record<string, string>; groupBy: GroupKey[] }[] = [
        { tags: { user: 'alice' }, groupBy: [] },
        { tags: { user: 'bob' }, groupBy: ['day', 'model'] },
        { groupBy: ['tag:user'] },
        { groupBy: ['day', 'tag:env'] },
        { groupBy: ['tag:env', 'provider', 'status'] },
        { tags: { env: 'staging' }, groupBy: ['tag:env', 'hour'] },
      ]
      for (const range of ranges) {
        for (const shape of shapes) {
          const q: LedgerQuery = { ...range, ...shape }
          // The tag rows answer alone: no raw part for unknown models or unpriced reported
          // costs, only the partial hours at a range's ends (none for whole hours).
          const plan = await planLedgerQuery(store.db, store.dialect, q, 'auto')
          expect(plan.some((p) => p.source.tagKey !== undefined)).toBe(true)
          const raw = plan.filter((p) => p.source.tagKey === undefined)
          expect(raw.every((p) => p.source.kind === 'calls')).toBe(true)
          // A raw part is a partial hour at one end of the range, never the whole range.
          for (const { query: part } of raw) {
            expect(part.since !== undefined && part.until !== undefined).toBe(true)
            expect(part.until!.getTime() - part.since!.getTime()).toBeLessThan(HOUR)
          }
          const aligned = [range.since, range.until].every((d) => !d || d.getTime() % HOUR === 0)
          if (aligned) expect(raw).toEqual([])
          const answer = await store.summarize(q)
          expect(answer, JSON.stringify(q)).toEqual(expectedSummary(stored, q))
          expect(answer).toEqual(await summarize(store.db, store.dialect, q, 'calls'))
        }
        const series = {
          ...range,
          tags: { user: 'carol' },
          bucket: 'day',
          stackBy: 'model',
        } as const
        expect(await store.timeSeries(series)).toEqual(expectedSeries(stored, series))
        const list = await store.listCalls({
          ...range,
          tags: { env: 'staging' },
          limit: 5,
          offset: 0,
        })
        expect(list.total).toBe(
          stored.filter((r) => matches(r, { ...range, tags: { env: 'staging' } })).length,
        )
      }
    })

    it('a key not rolled up, or two keys at once, answer from the raw calls', async () => {
      const stored = await allCalls(store)
      const queries: LedgerQuery[] = [
        { tags: { feature: 'chat' }, groupBy: ['model'] },
        { groupBy: ['tag:feature', 'day'] },
        { tags: { user: 'alice' }, groupBy: ['tag:env'] },
        { tags: { user: 'alice', env: 'staging' } },
      ]
      for (const q of queries) {
        const plan = await planLedgerQuery(store.db, store.dialect, q)
        expect(plan.map((p) => p.source.kind)).toEqual(['calls'])
        expect(await store.summarize(q)).toEqual(expectedSummary(stored, q))
      }
    })

    it('a key taken out of the setting loses its rows and its queries go back to raw calls', async () => {
      expect(await store.setTagRollupKeys(['env'])).toEqual([
        { key: 'env', complete: true, backfilledUntil: null },
      ])
      const { rows } = await sql<{ n: unknown }>`
        SELECT COUNT(*) AS n FROM call_tag_rollups WHERE tag_key = 'user'`.execute(store.db)
      expect(Number(rows[0]!.n)).toBe(0)
      const q: LedgerQuery = { groupBy: ['tag:user'] }
      const plan = await planLedgerQuery(store.db, store.dialect, q)
      expect(plan.map((p) => p.source.kind)).toEqual(['calls'])
      expect(await store.summarize(q)).toEqual(expectedSummary(await allCalls(store), q))
      // Added again: backfilled in one chunk, exact.
      await store.setTagRollupKeys(['env', 'user'])
      await expectExact(store, ['user', 'env'])
    })

    it('an interrupted backfill is not used, and resumes where it stopped', async () => {
      const mid = Date.parse('2026-04-03T00:00:00Z')
      // As if a backfill of `user` had stopped at `mid`: its rows hold the calls before it only.
      for (const [table, time] of [
        ['call_tag_rollups', 'hour_ts'],
        ['call_tag_rollups_daily', 'day_ts'],
      ] as const) {
        await sql`DELETE FROM ${sql.table(table)} WHERE tag_key = 'user' AND ${sql.ref(time)} >= ${mid}`.execute(
          store.db,
        )
      }
      await sql`UPDATE rollup_tag_keys SET backfilled_until = ${mid} WHERE key = 'user'`.execute(
        store.db,
      )
      expect(await store.tagRollupKeys()).toEqual([
        { key: 'env', complete: true, backfilledUntil: null },
        { key: 'user', complete: false, backfilledUntil: '2026-04-03T00:00:00.000Z' },
      ])
      const q: LedgerQuery = { groupBy: ['tag:user'] }
      const plan = await planLedgerQuery(store.db, store.dialect, q)
      expect(plan.map((p) => p.source.kind)).toEqual(['calls'])
      // A write meanwhile: its calls before `mid` go to the rows, the later ones wait for the backfill.
      await store.insert(factory.batch(30, { timestamp: '2026-04-02T23:30:00.000Z' }).slice(0, 1))
      await store.insert(factory.batch(5))
      await store.setTagRollupKeys(['env', 'user'])
      await expectExact(store, ['user', 'env'])
    })

    it('the migration run again keeps the setting and rebuilds the rows by a backfill', async () => {
      await sql`DELETE FROM tokenledger_migrations WHERE version >= 7`.execute(store.db)
      await store.close()
      store = await openStore(fixture.url)
      const keys = await store.tagRollupKeys()
      expect(keys.map((k) => [k.key, k.complete])).toEqual([
        ['env', false],
        ['user', false],
      ])
      const { rows } = await sql<{
        n: unknown
      }>`SELECT COUNT(*) AS n FROM call_tag_rollups`.execute(store.db)
      expect(Number(rows[0]!.n)).toBe(0)
      expect(
        (await planLedgerQuery(store.db, store.dialect, { groupBy: ['tag:env'] })).map(
          (p) => p.source.kind,
        ),
      ).toEqual(['calls'])
      await store.setTagRollupKeys(['env', 'user'])
      await expectExact(store, ['user', 'env'])
    })

    it('rejects a bad setting, naming the entry, and read-only stores', async () => {
      await expect(store.setTagRollupKeys(['team', ''])).rejects.toThrow(
        /setTagRollupKeys: keys\[1\]: expected a non-empty tag key/,
      )
      await expect(store.setTagRollupKeys(['team', 'team'])).rejects.toThrow(/listed twice/)
      const reader = await openStore(fixture.url, { readOnly: true })
      try {
        expect((await reader.tagRollupKeys()).map((k) => k.key)).toEqual(['env', 'user'])
        await expect(reader.setTagRollupKeys(['team'])).rejects.toThrow(/read-only/)
      } finally {
        await reader.close()
      }
    })
  })
}
