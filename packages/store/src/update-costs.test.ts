import { isTokenledgerError, picoFromUsd, usdFromPico } from '@tokenledger/pricing'
import type { Usd } from '@tokenledger/pricing'
import { sql } from 'kysely'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { expectedSummary } from './__fixtures__/expected-summary.js'
import type { CallRecord } from './call-record.js'
import type { CostUpdate, GroupKey, LedgerStore } from './ledger-store.js'
import { openStore } from './open-store.js'
import { summarize } from './queries/summarize.js'
import { ENGINES } from './testing/test-engines.js'
import type { LedgerFixture } from './testing/test-engines.js'
import { createRecordFactory } from './testing/record-factory.js'

const usd = (pico: bigint) => usdFromPico(pico)

/**
 * A reprice of a realistic ledger: priced calls get a corrected price (some move to another
 * canonical model), unknown-model calls get priced, and some priced calls lose their price.
 */
function repriceOf(records: CallRecord[]): CostUpdate[] {
  const updates: CostUpdate[] = []
  records.forEach((record, i) => {
    if (i % 3 !== 0) return
    if (record.cost !== null && i % 2 === 0) {
      // 10% dearer, exactly: picodollars times 11 / 10 (input parts are multiples of 10 pUSD).
      const scale = (value: Usd) => usd((picoFromUsd(value) * 11n) / 10n)
      const breakdown = record.costBreakdown!
      const parts = {
        input: scale(breakdown.input),
        cacheRead: scale(breakdown.cacheRead),
        cacheWrite: scale(breakdown.cacheWrite),
        output: scale(breakdown.output),
      }
      updates.push({
        id: record.id,
        cost: usd(Object.values(parts).reduce((sum, part) => sum + picoFromUsd(part), 0n)),
        costBreakdown: parts,
        cacheSavings: record.cacheSavings ?? null,
        card: `${record.card}+corrected`,
        model: i % 4 === 0 ? 'deepseek-v4-flash-0426' : record.model,
      })
    } else if (record.cost === null) {
      const total =
        BigInt(record.usage.inputTokens) * 140_000n + BigInt(record.usage.outputTokens) * 280_000n
      updates.push({
        id: record.id,
        cost: usd(total),
        costBreakdown: {
          input: usd(BigInt(record.usage.inputTokens) * 140_000n),
          cacheRead: usd(0n),
          cacheWrite: usd(0n),
          output: usd(BigInt(record.usage.outputTokens) * 280_000n),
        },
        cacheSavings: usd(0n),
        card: 'deepseek/deepseek-v9-experimental@2026-06-01T00:00:00.000Z',
        model: record.model ?? 'deepseek-v9-experimental',
      })
    } else {
      updates.push({
        id: record.id,
        cost: null,
        costBreakdown: null,
        cacheSavings: null,
        card: null,
        model: null,
      })
    }
  })
  return updates
}

function applied(records: CallRecord[], updates: CostUpdate[]): CallRecord[] {
  const byId = new Map(updates.map((u) => [u.id, u]))
  return records.map((record) => {
    const u = byId.get(record.id)
    return u
      ? {
          ...record,
          cost: u.cost,
          costBreakdown: u.costBreakdown,
          cacheSavings: u.cacheSavings,
          card: u.card,
          model: u.model,
        }
      : record
  })
}

/** The rollup table recomputed from raw calls with one GROUP BY, next to the stored rollup. */
async function rollupVersusRaw(
  store: LedgerStore,
): Promise<{ stored: unknown[]; recomputed: unknown[] }> {
  const order = sql`ORDER BY 1, 2, 3, 4, 5, 6, 7`
  const { rows: stored } = await sql<Record<string, unknown>>`
    SELECT CAST(hour_ts AS TEXT) AS h, provider, model, unknown_model, CAST(priced AS TEXT) AS p,
      upstream, status, CAST(calls AS TEXT) AS calls,
      CAST(priced_calls AS TEXT) AS priced, CAST(reported_calls AS TEXT) AS reported,
      CAST(input_tokens + 0 AS TEXT) AS input, CAST(output_tokens AS TEXT) AS output,
      CAST(cost_pico AS TEXT) AS cost, CAST(cache_savings_pico AS TEXT) AS savings,
      CAST(reported_cost_pico AS TEXT) AS reported_cost, CAST(computed_of_reported_pico AS TEXT) AS cor
    FROM call_rollups ${order}`.execute(store.db)
  const { rows: recomputed } = await sql<Record<string, unknown>>`
    SELECT CAST(ts - ts % 3600000 AS TEXT) AS h, provider, COALESCE(model, '') AS model,
      CASE WHEN model IS NULL THEN COALESCE(served_model, requested_model) ELSE '' END AS unknown_model,
      CASE WHEN cost_pico IS NULL THEN '0' ELSE '1' END AS p,
      COALESCE(upstream_provider, '') AS upstream, status, CAST(COUNT(*) AS TEXT) AS calls,
      CAST(COUNT(cost_pico) AS TEXT) AS priced, CAST(COUNT(reported_cost_pico) AS TEXT) AS reported,
      CAST(SUM(input_tokens) AS TEXT) AS input, CAST(SUM(output_tokens) AS TEXT) AS output,
      CAST(COALESCE(SUM(cost_pico), 0) AS TEXT) AS cost, CAST(COALESCE(SUM(cache_savings_pico), 0) AS TEXT) AS savings,
      CAST(COALESCE(SUM(reported_cost_pico), 0) AS TEXT) AS reported_cost,
      CAST(COALESCE(SUM(CASE WHEN reported_cost_pico IS NOT NULL THEN cost_pico END), 0) AS TEXT) AS cor
    FROM calls GROUP BY 1, 2, 3, 4, 5, 6, 7 ${order}`.execute(store.db)
  return { stored, recomputed }
}

const GROUPINGS: GroupKey[][] = [
  [],
  ['model'],
  ['day', 'provider', 'model'],
  ['status', 'upstream'],
  ['month'],
]

for (const engine of ENGINES) {
  describe.skipIf(engine.skip !== null)(`updateCosts on ${engine.name}`, () => {
    let fixture: LedgerFixture
    let store: LedgerStore
    const records = createRecordFactory({ seed: 21, stepMs: 20 * 60_000 }).batch(900)

    beforeEach(async () => {
      fixture = await engine.fresh()
      store = await openStore(fixture.url)
      await store.insert(records)
    })
    afterEach(async () => {
      await store?.close()
      await fixture?.cleanup()
    })

    it('re-prices calls and keeps the rollups equal to a raw GROUP BY', async () => {
      const before = await rollupVersusRaw(store)
      expect(before.stored).toEqual(before.recomputed)
      const updates = repriceOf(records)
      expect(
        new Set(
          updates.map((u) =>
            u.cost === null ? 'unpriced' : u.card?.endsWith('+corrected') ? 'corrected' : 'priced',
          ),
        ).size,
      ).toBe(3)
      // In two transactions, as reprice does page by page.
      await store.updateCosts(updates.slice(0, 100))
      await store.updateCosts(updates.slice(100))
      const after = await rollupVersusRaw(store)
      expect(after.stored).toEqual(after.recomputed)
      expect(after.stored).not.toEqual(before.stored)

      const expected = applied(records, updates)
      for (const groupBy of GROUPINGS) {
        const rolled = await store.summarize({ groupBy })
        expect(rolled).toEqual(expectedSummary(expected, { groupBy }))
        expect(await summarize(store.db, store.dialect, { groupBy }, 'calls')).toEqual(rolled)
      }
      const moved = updates.find((u) => u.model === 'deepseek-v4-flash-0426')!
      const stored = await store.getCall(moved.id)
      expect(stored).toMatchObject({
        cost: moved.cost,
        costBreakdown: moved.costBreakdown,
        card: moved.card,
        model: moved.model,
      })
      const { rows: empty } = await sql`SELECT 1 FROM call_rollups WHERE calls = 0`.execute(
        store.db,
      )
      expect(empty).toEqual([])
    })

    it('the last update of an id wins', async () => {
      const id = records.find((r) => r.cost !== null)!.id
      const first = {
        id,
        cost: usd(1n),
        costBreakdown: null,
        cacheSavings: null,
        card: 'a',
        model: 'x',
      } as CostUpdate
      const second = { ...first, cost: usd(2n), card: 'b', model: 'y' } as CostUpdate
      await store.updateCosts([first, second])
      expect(await store.getCall(id)).toMatchObject({
        cost: '0.000000000002',
        card: 'b',
        model: 'y',
      })
      const after = await rollupVersusRaw(store)
      expect(after.stored).toEqual(after.recomputed)
    })

    it('an unknown id fails the whole update and changes nothing', async () => {
      const before = await store.summarize({ groupBy: ['model'] })
      const updates = [
        ...repriceOf(records).slice(0, 5),
        {
          id: 'not-stored',
          cost: null,
          costBreakdown: null,
          cacheSavings: null,
          card: null,
          model: null,
        },
      ]
      const error = await store.updateCosts(updates).catch((e: unknown) => e)
      expect(isTokenledgerError(error, 'STORE_UNAVAILABLE')).toBe(true)
      expect((error as Error).message).toBe(
        'updateCosts: call not-stored is not in the ledger; nothing was updated',
      )
      expect(await store.summarize({ groupBy: ['model'] })).toEqual(before)
    })
  })
}
