/**
 * Budgets in the library: `createMeter({ budgets })` reserves each call's worst case in the ledger
 * before it is sent, refuses a call that would pass a `block` limit with BUDGET_EXCEEDED (the
 * upstream never sees it), lets a `warn` budget's call through with a report, and the standing
 * (`budgetStatus`) reads back exactly. Real ledgers: a SQLite file and a PostgreSQL schema.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { budgetStatus, type BudgetDefinition } from '@tokenledger/budget'
import { createMeter } from '@tokenledger/meter'
import { isTokenledgerError, TokenledgerError } from '@tokenledger/pricing'
import { openStore } from '@tokenledger/store'
import { ENGINES, type LedgerFixture } from '@tokenledger/store/testing/engines'
import { startReplayServer, type ReplayServer } from './helpers/replay-server.js'

const USAGE = {
  prompt_tokens: 10,
  completion_tokens: 20,
  total_tokens: 30,
  prompt_cache_hit_tokens: 0,
  prompt_cache_miss_tokens: 10,
}
const ANSWER = {
  id: 'chatcmpl-1',
  object: 'chat.completion',
  model: 'deepseek-v4-flash',
  choices: [{ index: 0, message: { role: 'assistant', content: 'hi' }, finish_reason: 'stop' }],
  usage: USAGE,
}
// A fixed body, so the worst case is exact: its size bounds the prompt, max_tokens the output.
const BODY = JSON.stringify({
  model: 'deepseek-v4-flash',
  messages: [{ role: 'user', content: 'hello' }],
  max_tokens: 1000,
})
const BYTES = Buffer.byteLength(BODY)
// deepseek-v4-flash: input 0.14, output 0.28 USD per million tokens (pricing/deepseek.json).
const WORST_PICO = BigInt(BYTES) * 140_000n + 1000n * 280_000n
const ACTUAL_PICO = 10n * 140_000n + 20n * 280_000n

const cleanups: Array<() => Promise<void>> = []
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!()
})

for (const engine of ENGINES) {
  describe.skipIf(engine.skip !== null)(`budgets in the meter (${engine.name})`, () => {
    async function setup(budgets: BudgetDefinition[]) {
      const fixture: LedgerFixture = await engine.fresh()
      const upstream: ReplayServer = await startReplayServer({
        'deepseek-v4-flash': { json: ANSWER },
      })
      const store = await openStore(fixture.url)
      const errors: Array<{ error: Error; phase: string }> = []
      const meter = createMeter({
        store,
        budgets,
        flushOnExit: false,
        onError: (error, context) => errors.push({ error, phase: context.phase }),
      }).child({ provider: 'deepseek' })
      cleanups.push(async () => {
        await meter.close()
        await store.close()
        await upstream.close()
        await fixture.cleanup()
      })
      const call = () =>
        meter.fetch(`${upstream.url}/chat/completions`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: BODY,
        })
      return { store, upstream, meter, call, errors }
    }

    it('sends calls while spent + reserved + worst case fits, then refuses before sending', async () => {
      // Room for exactly three worst cases on top of two recorded calls' actual cost.
      const limitPico = 2n * ACTUAL_PICO + 3n * WORST_PICO
      const { store, upstream, meter, call } = await setup([
        { id: 'all', scope: {}, limit: usd(limitPico), period: 'day', action: 'block' },
      ])
      for (let i = 0; i < 2; i++) {
        const response = await call()
        expect(await response.json()).toEqual(ANSWER)
        await meter.flush()
      }
      // Three calls in flight at once (bodies unread): all three fit, exactly.
      const inFlight = await Promise.all([call(), call(), call()])
      expect(upstream.requests).toHaveLength(5)
      const refused = await call().then(
        () => null,
        (error: unknown) => error,
      )
      expect(isTokenledgerError(refused, 'BUDGET_EXCEEDED')).toBe(true)
      const details = (refused as TokenledgerError).details!
      expect(details).toMatchObject({
        budget: 'all',
        spent: usd(2n * ACTUAL_PICO),
        reserved: usd(3n * WORST_PICO),
        limit: usd(limitPico),
        requested: usd(WORST_PICO),
      })
      expect(typeof details['resetsAt']).toBe('string')
      // Refused before anything was sent.
      expect(upstream.requests).toHaveLength(5)
      for (const response of inFlight) await response.json()
      await meter.flush()
      const [status] = await budgetStatus(store)
      expect(status).toMatchObject({
        id: 'all',
        spent: usd(5n * ACTUAL_PICO),
        reserved: '0',
        left: usd(limitPico - 5n * ACTUAL_PICO),
      })
      // Now that the reservations became actual costs there is room again.
      expect((await call()).status).toBe(200)
    })

    it('a warn budget reports and sends; a scope that does not match is not checked', async () => {
      const { upstream, call, errors } = await setup([
        {
          id: 'tiny-warn',
          scope: { provider: 'deepseek' },
          limit: '0.000001',
          period: { rollingHours: 24 },
          action: 'warn',
        },
        {
          id: 'other-team',
          scope: { tags: { team: 'search' } },
          limit: '0',
          period: 'month',
          action: 'block',
        },
      ])
      const response = await call()
      expect(response.status).toBe(200)
      await response.json()
      expect(upstream.requests).toHaveLength(1)
      const warned = errors.filter((e) => e.phase === 'budget')
      expect(warned).toHaveLength(1)
      expect(warned[0]!.error.message).toMatch(
        /^budget tiny-warn: spent 0 \+ reserved 0 \+ this call's worst case .* would pass the limit of 0\.000001 USD; call sent \(warn\); rolling 24 h window$/,
      )
    })
  })
}

function usd(pico: bigint): string {
  const whole = pico / 10n ** 12n
  const fraction = (pico % 10n ** 12n).toString().padStart(12, '0').replace(/0+$/, '')
  return fraction ? `${whole}.${fraction}` : `${whole}`
}
