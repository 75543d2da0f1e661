/**
 * The proxy's budget check counts big prompts instead of bounding them by their size: a call whose
 * byte bound (one token per body byte) would pass a `block` limit but whose counted worst case
 * fits goes through; one whose counted worst case passes the limit gets 429 before the upstream
 * sees it. Real tokenizer (@tokenledger/estimate), real SQLite and PostgreSQL ledgers, a fake
 * upstream that counts what it receives.
 *
 * The figures, by hand. deepseek-v4-flash at the fixture's fixed rates: input 0.14, output 0.28
 * USD per 1M tokens, i.e. 140,000 and 280,000 picodollars per token. A prompt of N words "hello"
 * joined by spaces is N o200k tokens (pieces "hello", " hello", ...: one token each); the chat
 * framing adds 3 per message + 1 for the role "user" + 3 priming = N + 7. DeepSeek is counted
 * approximately: x1.05, raised by its expected error of 15% (x1.15), rounded up.
 * - call A, N = 2,000, max_tokens 100: body 12,087 bytes. Byte bound: 12,087 x 140,000 +
 *   100 x 280,000 = 1,692,180,000 + 28,000,000 = 1,720,180,000 > limit 1,000,000,000: refused
 *   without a count. Counted: ceil(2,007 x 1.05 x 1.15) = ceil(2,423.4525) = 2,424 tokens;
 *   2,424 x 140,000 + 28,000,000 = 367,360,000 <= 1,000,000,000: sent. Its actual cost (usage
 *   2,000 prompt + 10 completion): 280,000,000 + 2,800,000 = 282,800,000.
 * - call B, N = 5,000: counted ceil(5,007 x 1.2075) = ceil(6,045.9525) = 6,046 tokens; worst
 *   6,046 x 140,000 + 28,000,000 = 874,440,000; spent 282,800,000 + 874,440,000 =
 *   1,157,240,000 > 1,000,000,000: refused, the upstream never sees it.
 */
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { fileURLToPath } from 'node:url'
import { budgetStatus } from '@tokenledger/budget'
import { startProxy } from '@tokenledger/proxy'
import { promptTokenBound } from '../apps/proxy/src/prompt-token-bound.js'
import { openStore } from '@tokenledger/store'
import { ENGINES } from '@tokenledger/store/testing/engines'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

process.env['TOKENLEDGER_PRICES'] = fileURLToPath(
  new URL('./helpers/fixed-prices.json', import.meta.url),
)

const LIMIT = '0.001'
const words = (count: number) => Array(count).fill('hello').join(' ')
const body = (count: number) =>
  JSON.stringify({
    model: 'deepseek-v4-flash',
    max_tokens: 100,
    messages: [{ role: 'user', content: words(count) }],
  })

let upstream: Server
let upstreamUrl: string
let received = 0

beforeAll(async () => {
  upstream = createServer((req, res) => {
    req.resume()
    req.on('end', () => {
      received++
      res.writeHead(200, { 'content-type': 'application/json' }).end(
        JSON.stringify({
          id: `count-${received}`,
          object: 'chat.completion',
          model: 'deepseek-v4-flash',
          choices: [
            { index: 0, message: { role: 'assistant', content: 'ok' }, finish_reason: 'stop' },
          ],
          usage: {
            prompt_tokens: 2000,
            completion_tokens: 10,
            total_tokens: 2010,
            prompt_cache_hit_tokens: 0,
            prompt_cache_miss_tokens: 2000,
          },
        }),
      )
    })
  })
  await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve))
  upstreamUrl = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}/v1`
})

afterAll(async () => {
  upstream.closeAllConnections()
  await new Promise((resolve) => upstream.close(resolve))
})

for (const engine of ENGINES) {
  describe.skipIf(engine.skip !== null)(
    `counted prompts in the proxy's budget check (${engine.name})`,
    () => {
      it('lets through a call only its byte bound would refuse, refuses one its count does', async () => {
        expect(Buffer.byteLength(body(2000))).toBe(12_087)
        const fixture = await engine.fresh()
        const errors: string[] = []
        const proxy = await startProxy({
          db: fixture.url,
          port: 0,
          upstreams: [`deepseek=${upstreamUrl}`],
          budgets: {
            budgets: [{ id: 'big', scope: {}, limit: LIMIT, period: 'day', action: 'block' }],
          },
          meter: { flushIntervalMs: 5 },
          onError: (error, context) => errors.push(`${context.phase}: ${(error as Error).message}`),
        })
        try {
          received = 0
          const send = (count: number) =>
            fetch(`${proxy.url}/deepseek/v1/chat/completions`, {
              method: 'POST',
              headers: { 'content-type': 'application/json', authorization: 'Bearer sk-count' },
              body: body(count),
            })
          const allowed = await send(2000)
          expect(allowed.status).toBe(200)
          await allowed.json()
          expect(received).toBe(1)
          await proxy.meter.flush()

          const refused = await send(5000)
          expect(refused.status).toBe(429)
          const answer = (await refused.json()) as { error: { budget: Record<string, string> } }
          expect(answer.error.budget).toMatchObject({
            budget: 'big',
            spent: '0.0002828',
            reserved: '0',
            limit: LIMIT,
            requested: '0.00087444',
          })
          expect(received).toBe(1)
          expect(errors).toEqual([])
        } finally {
          await proxy.close()
        }
        const store = await openStore(fixture.url)
        try {
          const [status] = await budgetStatus(store)
          expect(status).toMatchObject({ id: 'big', spent: '0.0002828', reserved: '0' })
        } finally {
          await store.close()
          await fixture.cleanup()
        }
      }, 60_000)
    },
  )
}

describe("the proxy's prompt counter thread (built dist)", () => {
  it('counts on a worker thread what the inline bound counts, and stops with close()', async () => {
    // From dist: there the compiled worker sits beside the module (from sources it counts inline).
    const { startPromptCounter } = await import('../apps/proxy/dist/prompt-counter-thread.js')
    const errors: Error[] = []
    const counter = startPromptCounter({ onError: (error) => errors.push(error) })
    try {
      const prompt = {
        provider: 'deepseek',
        model: 'deepseek-v4-flash',
        endpoint: '/chat/completions',
        body: JSON.parse(body(2000)) as Record<string, unknown>,
      }
      // Several at once: answers are matched to their requests.
      const answers = await Promise.all([
        counter.count(prompt),
        counter.count({ ...prompt, body: JSON.parse(body(5000)) as Record<string, unknown> }),
        counter.count({ ...prompt, endpoint: '/embeddings' }),
      ])
      expect(answers).toEqual([2424, 6046, undefined])
      expect(answers[0]).toBe(promptTokenBound(prompt))
      expect(errors).toEqual([])
    } finally {
      await counter.close()
    }
  }, 60_000)
})
