/**
 * Budgets in the library: `createMeter({ budgets })` reserves each call's worst case in the ledger
 * before it is sent, refuses a call that would pass a `block` limit with BUDGET_EXCEEDED (the
 * upstream never sees it), lets a `warn` budget's call through with a report, and the standing
 * (`budgetStatus`) reads back exactly. Real ledgers: a SQLite file and a PostgreSQL schema.
 */
import { fileURLToPath } from 'node:url'
import { afterEach, describe, expect, it } from 'vitest'
import { budgetStatus, type BudgetDefinition, type PromptToCount } from '@tokenledger/budget'
import { createMeter, type MeterBudgets } from '@tokenledger/meter'
import { isTokenledgerError, TokenledgerError } from '@tokenledger/pricing'
import { openStore } from '@tokenledger/store'
import OpenAI from 'openai'
import { ENGINES, type LedgerFixture } from '@tokenledger/store/testing/engines'
import { startReplayServer, type ReplayServer } from './helpers/replay-server.js'

// Fixed DeepSeek rates for these tests (the bundled card has peak / off-peak hours): see the file.
process.env['TOKENLEDGER_PRICES'] = fileURLToPath(
  new URL('./helpers/fixed-prices.json', import.meta.url),
)

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
    async function setup(budgets: BudgetDefinition[] | MeterBudgets) {
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
      // Writing the records deleted their reservations in the same transaction (no sweep ran):
      // a check sums only calls not recorded yet.
      const left = await store.db
        .withTables<{ budget_reservations: { call_id: string } }>()
        .selectFrom('budget_reservations')
        .select('call_id')
        .execute()
      expect(left).toEqual([])
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

    it('countPromptTokens is asked only when the byte bound would pass a limit, and its count decides', async () => {
      // By hand: BODY is 94 bytes, so its byte bound is 94 x 140,000 + 1,000 x 280,000 =
      // 293,160,000 pico; a prompt counted at 20 tokens: 20 x 140,000 + 280,000,000 = 282,800,000.
      // Limit: one byte-bound worst case + one actual call (7,000,000) - 1 = 300,159,999.
      expect(BYTES).toBe(94)
      const limitPico = WORST_PICO + ACTUAL_PICO - 1n
      const asked: PromptToCount[] = []
      const answers: Array<number | undefined | Error> = [
        20,
        undefined,
        new Error('tokenizer broke'),
      ]
      const { upstream, meter, call, errors } = await setup({
        budgets: [
          { id: 'counted', scope: {}, limit: usd(limitPico), period: 'day', action: 'block' },
        ],
        countPromptTokens: (prompt) => {
          asked.push(prompt)
          const answer = answers.shift()
          if (answer instanceof Error) throw answer
          return answer
        },
      })
      // 0 + 293,160,000 <= 300,159,999: the byte bound fits, nothing is counted.
      await (await call()).json()
      await meter.flush()
      expect(asked).toHaveLength(0)
      // 7,000,000 + 293,160,000 passes the limit; counted, 7,000,000 + 282,800,000 fits: sent.
      await (await call()).json()
      await meter.flush()
      expect(asked).toHaveLength(1)
      expect(asked[0]).toMatchObject({
        provider: 'deepseek',
        model: 'deepseek-v4-flash',
        endpoint: '/chat/completions',
        body: JSON.parse(BODY),
      })
      expect(upstream.requests).toHaveLength(2)
      // A counter that cannot bound the request: the byte bound stands, refused, nothing sent.
      const refused = await call().then(
        () => null,
        (error: unknown) => error,
      )
      expect(asked).toHaveLength(2)
      expect(isTokenledgerError(refused, 'BUDGET_EXCEEDED')).toBe(true)
      expect((refused as TokenledgerError).details).toMatchObject({
        spent: usd(2n * ACTUAL_PICO),
        reserved: '0',
        requested: usd(WORST_PICO),
      })
      expect(upstream.requests).toHaveLength(2)
      // A counter that throws: reported, the byte bound stands, refused, nothing sent.
      const refusedAgain = await call().then(
        () => null,
        (error: unknown) => error,
      )
      expect(isTokenledgerError(refusedAgain, 'BUDGET_EXCEEDED')).toBe(true)
      expect(errors.map((e) => e.error.message)).toEqual([
        'budget: the prompt counter failed (tokenizer broke); the byte bound stands',
      ])
      expect(upstream.requests).toHaveLength(2)
    })

    it('a warn budget passed only by the byte bound does not warn once the prompt is counted', async () => {
      // Limit 290,000,000: below the byte bound (293,160,000), above the counted worst case
      // (282,800,000). The counted reservation replaces the byte-bound one.
      const { store, upstream, call, errors } = await setup({
        budgets: [{ id: 'soft', scope: {}, limit: '0.00029', period: 'day', action: 'warn' }],
        countPromptTokens: () => 20,
      })
      const response = await call()
      const [held] = await budgetStatus(store)
      expect(held).toMatchObject({ id: 'soft', reserved: usd(282_800_000n) })
      await response.json()
      expect(upstream.requests).toHaveLength(1)
      expect(errors.filter((e) => e.phase === 'budget')).toEqual([])
    })

    it('a wrapped openai client gets the refusal as the cause of APIConnectionError, nothing sent', async () => {
      const { upstream, meter } = await setup([
        { id: 'none', scope: {}, limit: '0', period: 'day', action: 'block' },
      ])
      const client = meter.wrap(
        new OpenAI({ baseURL: upstream.url, apiKey: 'sk-wrapped', maxRetries: 0 }),
      )
      const error = await client.chat.completions
        .create({
          model: 'deepseek-v4-flash',
          max_tokens: 10,
          messages: [{ role: 'user', content: 'hi' }],
        })
        .catch((e: unknown) => e)
      expect(error).toBeInstanceOf(OpenAI.APIConnectionError)
      const cause = (error as Error).cause
      expect(isTokenledgerError(cause, 'BUDGET_EXCEEDED')).toBe(true)
      expect((cause as TokenledgerError).details).toMatchObject({ budget: 'none', limit: '0' })
      expect(upstream.requests).toHaveLength(0)
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

describe('budgets when the ledger cannot be reached', () => {
  // A PostgreSQL URL on a port nobody listens on: the budget check cannot read or reserve.
  async function unreachable(ledgerUnavailable: 'allow' | 'block') {
    const closed = await startReplayServer({})
    const port = new URL(closed.url).port
    await closed.close()
    const upstream = await startReplayServer({ 'deepseek-v4-flash': { json: ANSWER } })
    const errors: Array<{ error: Error; phase: string }> = []
    const meter = createMeter({
      store: `postgres://root@127.0.0.1:${port}/test`,
      budgets: {
        budgets: [{ id: 'all', scope: {}, limit: '1', period: 'day', action: 'block' }],
        ledgerUnavailable,
      },
      flushOnExit: false,
      retryDelayMs: 60_000,
      onError: (error, context) => errors.push({ error, phase: context.phase }),
    }).child({ provider: 'deepseek' })
    cleanups.push(async () => {
      // Its record cannot be written (the ledger is unreachable): close() says so, as it should.
      await Promise.race([
        meter.close().catch(() => {}),
        new Promise((resolve) => setTimeout(resolve, 1000)),
      ])
      await upstream.close()
    })
    const result = await meter
      .fetch(`${upstream.url}/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: BODY,
      })
      .then(
        (response) => response.status,
        (error: unknown) => error,
      )
    return { result, upstream, errors }
  }

  it("'block' refuses the call with STORE_UNAVAILABLE before sending it", async () => {
    const { result, upstream } = await unreachable('block')
    expect(isTokenledgerError(result, 'STORE_UNAVAILABLE')).toBe(true)
    expect((result as Error).message).toMatch(
      /^budget check: the ledger is unreachable \(.*\); call refused \(ledgerUnavailable: 'block'\)$/,
    )
    expect(upstream.requests).toHaveLength(0)
  })

  it("'allow' (the default) sends the call and reports it", async () => {
    const { result, upstream, errors } = await unreachable('allow')
    expect(result).toBe(200)
    expect(upstream.requests).toHaveLength(1)
    const reported = errors.filter((e) => e.phase === 'budget').map((e) => e.error.message)
    expect(reported).toHaveLength(1)
    expect(reported[0]).toMatch(/call sent unchecked \(ledgerUnavailable: 'allow'\)$/)
  })
})
