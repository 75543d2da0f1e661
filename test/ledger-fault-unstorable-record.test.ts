/**
 * One record the ledger cannot store must not stop metering (issue 9, item 1). Real `openai` SDK
 * against the replay server, a real meter, a real SQLite file and the real PostgreSQL: among 220
 * ordinary calls sit responses with `prompt_tokens` of 1e15 and 2^53 - 1 (their cost is beyond the
 * 2^63 picodollars a money column holds) and 3,000,000,000 (beyond a PostgreSQL `integer`). Every
 * ordinary call lands, the unstorable ones are reported one by one as RECORD_INVALID with the
 * record itself, the 3e9 one is stored as reported and flagged USAGE_IMPLAUSIBLE, and flush() and
 * close() settle.
 */
import { createMeter, type MeterErrorContext } from '@tokenledger/meter'
import { isTokenledgerError } from '@tokenledger/pricing'
import { openStore } from '@tokenledger/store'
import { ENGINES } from '@tokenledger/store/testing/engines'
import OpenAI from 'openai'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { fixtureJson } from '../packages/meter/src/normalisers/__fixtures__/read-fixture.js'
import { fixedPricingTable } from './helpers/fixed-prices.js'
import { type ReplayServer, startReplayServer } from './helpers/replay-server.js'

const ORDINARY = 220
/** Where each unusual call sits among the ordinary ones. */
const UNUSUAL = { 'tokens-1e15': 17, 'tokens-2p53': 90, 'tokens-3e9': 151 } as const
const PROMPT_TOKENS: Record<keyof typeof UNUSUAL, number> = {
  'tokens-1e15': 1e15,
  'tokens-2p53': Number.MAX_SAFE_INTEGER,
  'tokens-3e9': 3_000_000_000,
}

let server: ReplayServer

function withPromptTokens(promptTokens: number): unknown {
  const base = fixtureJson('deepseek-chat-cache-hit.json') as Record<string, unknown>
  return {
    ...base,
    usage: {
      prompt_tokens: promptTokens,
      completion_tokens: 120,
      total_tokens: promptTokens + 120,
    },
  }
}

beforeAll(async () => {
  server = await startReplayServer({
    'deepseek-v4-flash': { json: fixtureJson('deepseek-chat-cache-hit.json') },
    ...Object.fromEntries(
      Object.entries(PROMPT_TOKENS).map(([route, tokens]) => [
        route,
        { json: withPromptTokens(tokens) },
      ]),
    ),
  })
})

afterAll(async () => {
  await server?.close()
})

describe.each(ENGINES)('an unstorable record on $name', (engine) => {
  it.skipIf(engine.skip !== null)(
    'is reported alone; every other call lands and flush() and close() settle',
    async () => {
      const fixture = await engine.fresh()
      try {
        const store = await openStore(fixture.url)
        const errors: Array<{ error: Error; context: MeterErrorContext }> = []
        const meter = createMeter({
          store,
          // Flat May 2026 rates, whatever the hour the test runs (helpers/fixed-prices.ts).
          prices: fixedPricingTable(),
          batchSize: 500,
          flushIntervalMs: 600_000,
          onError: (error, context) => errors.push({ error, context }),
          flushOnExit: false,
        })
        const client = meter.wrap(
          new OpenAI({ baseURL: server.url, apiKey: 'test', maxRetries: 0 }),
          {
            provider: 'deepseek',
          },
        )
        const requestIds = new Map<string, string>()
        const positions = new Map<number, keyof typeof UNUSUAL>(
          Object.entries(UNUSUAL).map(([route, at]) => [at, route as keyof typeof UNUSUAL]),
        )
        for (let i = 0; i < ORDINARY + positions.size; i++) {
          const route = positions.get(i) ?? 'deepseek-v4-flash'
          const { response } = await client.chat.completions
            .create(
              { model: 'deepseek-v4-flash', messages: [{ role: 'user', content: `call ${i}` }] },
              { headers: { 'x-replay': route } },
            )
            .withResponse()
          requestIds.set(response.headers.get('x-request-id')!, route)
        }

        // All in one batch: before the fix the whole batch failed and stayed queued for good.
        await meter.flush()
        await meter.close()

        const { rows } = await store.listCalls({ limit: 1000, offset: 0 })
        const stored = new Map(rows.map((row) => [row.requestId!, row]))
        const expected = [...requestIds].filter(
          ([, route]) => route === 'deepseek-v4-flash' || route === 'tokens-3e9',
        )
        expect(stored.size).toBe(ORDINARY + 1)
        expect([...stored.keys()].sort()).toEqual(expected.map(([id]) => id).sort())
        const huge = rows.find((row) => row.usage.inputTokens === 3_000_000_000)
        // At the fixed table's flat rates: 3e9 input tokens x 0.14 USD + 120 output tokens x 0.28
        // USD per million, exactly.
        expect(huge?.cost).toBe('420.0000336')

        const refused = errors.filter(({ error }) => isTokenledgerError(error, 'RECORD_INVALID'))
        expect(refused.map(({ context }) => context.record?.usage.inputTokens).sort()).toEqual([
          1e15,
          Number.MAX_SAFE_INTEGER,
        ])
        for (const { error, context } of refused) {
          expect(context).toMatchObject({ phase: 'record', records: 1, callId: context.record!.id })
          expect(error.message).toMatch(/cost: .* USD is beyond what the ledger stores/)
        }
        // All three exceed the model's context window; the stored one carries its flag in onError.
        const implausible = errors.filter(({ error }) =>
          isTokenledgerError(error, 'USAGE_IMPLAUSIBLE'),
        )
        expect(implausible).toHaveLength(3)
        const flagged = implausible.find(({ context }) => context.callId === huge!.id)
        expect(flagged?.context.phase).toBe('record')
        expect(flagged?.error.message).toContain(
          '3000000000 input tokens exceed the 1048576-token context window of deepseek-v4-flash',
        )
        // Nothing else was reported: the ledger never looked unavailable.
        expect(errors).toHaveLength(5)
        expect(meter.stats()).toMatchObject({ queued: 0, written: ORDINARY + 1, refused: 2 })
        await store.close()
      } finally {
        await fixture.cleanup()
      }
    },
    60_000,
  )
})
