/**
 * Reservations ahead of calls (packages/budget/src/reservations-ahead.ts), read back from the
 * ledger's own reservation rows. It must show:
 * - far from a limit, a round trip also reserves worst cases for the next calls, and those calls
 *   take them with no round trip (the ledger holds no row beyond them), topped up in the
 *   background when few are left;
 * - they are ordinary reservations: counted by every check's `reserved`, and a call's row goes
 *   when its record is written;
 * - near a limit nothing is reserved ahead: every call's round trip reserves its own worst case
 *   only, and refusals are as without reservations ahead;
 * - ahead reservations no call takes go back to the ledger at the next lease renewals, and all of
 *   them when the guard closes.
 * Real ledgers: a SQLite file and a PostgreSQL schema.
 */
import { fileURLToPath } from 'node:url'
import { createBudgetGuard, type GuardedCall } from '@tokenledger/budget'
import { loadPricingTable, usdFromPico } from '@tokenledger/pricing'
import { type LedgerStore, openStore, readStandings } from '@tokenledger/store'
import { callRecord } from '@tokenledger/store/testing'
import { ENGINES } from '@tokenledger/store/testing/engines'
import { afterEach, describe, expect, it } from 'vitest'

// Fixed DeepSeek rates (input 0.14, output 0.28 USD per 1M tokens): see the file.
const prices = loadPricingTable({
  bundled: false,
  env: {
    TOKENLEDGER_PRICES: fileURLToPath(new URL('./helpers/fixed-prices.json', import.meta.url)),
  },
})
const BODY = {
  model: 'deepseek-v4-flash',
  max_tokens: 100,
  messages: [{ role: 'user', content: 'hi' }],
}
const BYTES = 100
const CALL: GuardedCall = {
  provider: 'deepseek',
  model: 'deepseek-v4-flash',
  endpoint: '/chat/completions',
  body: BODY,
  bodyBytes: BYTES,
  tags: {},
}
// 100 prompt tokens (the byte bound) at 0.14 plus 100 output tokens at 0.28 USD per 1M tokens.
const WORST_PICO = 100n * 140_000n + 100n * 280_000n

const cleanups: Array<() => Promise<void>> = []
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!()
})

async function reservationIds(store: LedgerStore): Promise<string[]> {
  const rows = await store.db
    .withTables<{ budget_reservations: { call_id: string } }>()
    .selectFrom('budget_reservations')
    .select('call_id')
    .orderBy('call_id')
    .execute()
  return rows.map((row) => row.call_id)
}

async function reservedPico(store: LedgerStore): Promise<bigint> {
  const [standing] = await readStandings(store, [
    { id: 'all', query: { since: new Date('2026-01-01T00:00:00Z') } },
  ])
  return standing!.reservedPico
}

for (const engine of ENGINES) {
  describe.skipIf(engine.skip !== null)(`reservations ahead of calls (${engine.name})`, () => {
    async function setup(limitPico: bigint, leaseSeconds = 60) {
      const fixture = await engine.fresh()
      const store = await openStore(fixture.url)
      const errors: Error[] = []
      const guard = createBudgetGuard({
        budgets: [
          { id: 'all', scope: {}, limit: usdFromPico(limitPico), period: 'month', action: 'block' },
        ],
        leaseSeconds,
        store,
        prices,
        onError: (error) => errors.push(error),
      })
      cleanups.push(async () => {
        await guard.close()
        await store.close()
        await fixture.cleanup()
      })
      return { store, guard, errors }
    }

    it('far from the limit: one round trip reserves the next calls too, which take them without one, topped up when few are left', async () => {
      // Room for thousands of worst cases: the most ahead (63) every time.
      const { store, guard, errors } = await setup(WORST_PICO * 100_000n)
      const first = await guard.reserve(CALL)
      // The first round trip knew nothing of the room: its own reservation only.
      expect(await reservationIds(store)).toEqual([first])
      const second = await guard.reserve(CALL)
      const afterSecond = await reservationIds(store)
      expect(afterSecond).toHaveLength(2 + 63)
      expect(afterSecond).toContain(second)
      // The next 31 calls take ids reserved ahead: the ledger holds no new row.
      const taken: string[] = []
      for (let i = 0; i < 31; i++) taken.push((await guard.reserve(CALL))!)
      expect(new Set(taken).size).toBe(31)
      expect(await reservationIds(store)).toEqual(afterSecond)
      for (const id of taken) expect(afterSecond).toContain(id)
      expect(await reservedPico(store)).toBe(65n * WORST_PICO)
      // The 32nd leaves 31 of 63 (half or fewer): it takes one, and 32 more are reserved in the
      // background, up to 63 held again.
      taken.push((await guard.reserve(CALL))!)
      expect(afterSecond).toContain(taken[31])
      const deadline = Date.now() + 10_000
      while ((await reservationIds(store)).length < 65 + 32 && Date.now() < deadline)
        await new Promise((resolve) => setTimeout(resolve, 10))
      expect(await reservationIds(store)).toHaveLength(65 + 32)
      expect(await reservedPico(store)).toBe(97n * WORST_PICO)
      // A call's record in the ledger ends its reservation, whichever way it was taken.
      await store.insert([
        callRecord(taken[0]!, { timestamp: new Date().toISOString(), cost: '0.000001' as never }),
      ])
      expect(await reservationIds(store)).not.toContain(taken[0])
      expect(await reservedPico(store)).toBe(96n * WORST_PICO)
      expect(errors).toEqual([])
      // Closing gives back every reservation, held ahead or not.
      await guard.close()
      expect(await reservationIds(store)).toEqual([])
    })

    it('calls arriving while a round trip asks for more wait for it and take those', async () => {
      const { store, guard } = await setup(WORST_PICO * 100_000n)
      await guard.reserve(CALL)
      // 20 at once: the first makes the round trip (with 63 ahead), the 19 others take from those.
      const ids = await Promise.all(Array.from({ length: 20 }, () => guard.reserve(CALL)))
      expect(new Set(ids).size).toBe(20)
      expect(await reservationIds(store)).toHaveLength(1 + 1 + 63)
    })

    it('near the limit: every call reserves its own worst case only, refusals as before', async () => {
      // Room for 8 worst cases: each one held ahead needs 8 worst cases of room left after the
      // call's own, so none is ever held.
      const { store, guard } = await setup(WORST_PICO * 8n)
      const ids: string[] = []
      for (let i = 0; i < 8; i++) {
        ids.push((await guard.reserve(CALL))!)
        expect((await reservationIds(store)).sort()).toEqual([...ids].sort())
      }
      const refusal = await guard.reserve(CALL).catch((error: unknown) => error)
      expect(refusal).toMatchObject({
        code: 'BUDGET_EXCEEDED',
        details: { reserved: usdFromPico(8n * WORST_PICO) },
      })
      expect(await reservationIds(store)).toHaveLength(8)
    })

    it('ahead reservations no call takes go back at the next lease renewals', async () => {
      // A 1 s lease: renewed every 333 ms.
      const { store, guard } = await setup(WORST_PICO * 100_000n, 1)
      const first = await guard.reserve(CALL)
      const second = await guard.reserve(CALL)
      expect(await reservationIds(store)).toHaveLength(2 + 63)
      // No call takes one: within two renewals they are gone, the two calls' own ones stay.
      const deadline = Date.now() + 10_000
      while ((await reservationIds(store)).length > 2 && Date.now() < deadline)
        await new Promise((resolve) => setTimeout(resolve, 50))
      expect((await reservationIds(store)).sort()).toEqual([first, second].sort())
      // The next call makes a round trip (nothing held ahead any more), and holds more ahead.
      const third = await guard.reserve(CALL)
      expect(await reservationIds(store)).toContain(third)
      expect(await reservationIds(store)).toHaveLength(3 + 63)
    })
  })
}
