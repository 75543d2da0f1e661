/**
 * `meter.fetch` as any SDK's fetch: plain fetch calls in Anthropic's and Gemini's own formats
 * against a replay server, the provider detected from the base URL (a price override points the
 * bundled Anthropic and Google providers at the local servers), and tags from the meter, a child
 * meter and a `runWithTags` scope.
 * Prices (USD per 1M tokens): claude-sonnet-4-5 input 3.00, cache read 0.30, 5-minute write 3.75,
 * 1-hour write 6.00, output 15.00; gemini-2.5-pro (prompt <= 200k) input 1.25, cache read 0.31,
 * output 10.00; gemini-2.5-flash input 0.30, output 2.50.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createMeter } from '@tokenledger/meter'
import { fixedPricingTable } from './helpers/fixed-prices.js'
import { type CallRecord, openStore } from '@tokenledger/store'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  fixtureJson,
  fixtureText,
} from '../packages/meter/src/normalisers/__fixtures__/read-fixture.js'
import { callOrder, type ReplayServer, startReplayServer } from './helpers/replay-server.js'

let dir: string
let anthropic: ReplayServer
let gemini: ReplayServer

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'tokenledger-meter-fetch-'))
  anthropic = await startReplayServer({
    'claude-sonnet-4-5': { json: fixtureJson('anthropic-message.json') },
    stream: { sse: fixtureText('anthropic-stream.sse') },
    overloaded: { status: 529, json: fixtureJson('anthropic-error-529.json') },
  })
  gemini = await startReplayServer(
    {
      'gemini-2.5-pro': { json: fixtureJson('gemini-generate.json') },
      'gemini-2.5-flash': { sse: fixtureText('gemini-stream.sse') },
    },
    '/v1beta',
  )
})

afterAll(async () => {
  await Promise.all([anthropic?.close(), gemini?.close()])
  rmSync(dir, { recursive: true, force: true })
})

/** The fixed May 2026 table (helpers/fixed-prices.ts) with Anthropic and Google at the replay servers. */
function localPrices() {
  const override = join(dir, 'local-hosts.json')
  const provider = (id: string, name: string, usageStyle: string, url: string) => ({
    id,
    name,
    apiBaseUrls: [url],
    usageStyle,
    reportsCost: false,
    models: [],
  })
  writeFileSync(
    override,
    JSON.stringify({
      providers: [
        provider('anthropic', 'Anthropic', 'anthropic', anthropic.url),
        provider('google', 'Google', 'gemini', gemini.url),
      ],
    }),
  )
  return fixedPricingTable([override])
}

async function rows(db: string): Promise<CallRecord[]> {
  const store = await openStore(`sqlite:${db}`, { readOnly: true })
  try {
    return (await store.listCalls({ limit: 100, offset: 0 })).rows.sort(callOrder)
  } finally {
    await store.close()
  }
}

const post = (body: unknown, headers: Record<string, string> = {}): RequestInit => ({
  method: 'POST',
  headers: { 'content-type': 'application/json', ...headers },
  body: JSON.stringify(body),
})

describe('meter.fetch with Anthropic and Gemini payloads', () => {
  it('detects the provider from the base URL and prices cache writes by TTL and thoughts as output', async () => {
    const db = join(dir, 'styles.db')
    const meter = createMeter({
      store: `sqlite:${db}`,
      prices: localPrices(),
      flushOnExit: false,
      tags: { env: 'test' },
    })
    const messages = [{ role: 'user', content: 'Summarise the contract.' }]

    const message = await meter.fetch(
      `${anthropic.url}/messages`,
      post({ model: 'claude-sonnet-4-5', max_tokens: 512, messages }),
    )
    expect(
      ((await message.json()) as { content: Array<{ text: string }> }).content[0]!.text,
    ).toMatch(/renews automatically/)

    const streamed = await meter.fetch(
      `${anthropic.url}/messages`,
      post(
        { model: 'claude-sonnet-4-5', max_tokens: 512, stream: true, messages },
        { 'x-replay': 'stream' },
      ),
    )
    const text = await streamed.text()
    // Nothing was injected or dropped: the caller reads the provider's bytes exactly.
    expect(text).toBe(fixtureText('anthropic-stream.sse'))

    const generated = await meter.fetch(
      `${gemini.url}/models/gemini-2.5-pro:generateContent`,
      post({ contents: [{ parts: [{ text: 'Why does it fail?' }] }] }),
    )
    expect(generated.status).toBe(200)
    await generated.arrayBuffer()
    const geminiStream = await meter.fetch(
      `${gemini.url}/models/gemini-2.5-flash:streamGenerateContent?alt=sse`,
      post({ contents: [{ parts: [{ text: 'Queue or not?' }] }] }),
    )
    expect(await geminiStream.text()).toBe(fixtureText('gemini-stream.sse'))

    const overloaded = await meter.fetch(
      `${anthropic.url}/messages`,
      post({ model: 'claude-sonnet-4-5', max_tokens: 5, messages }, { 'x-replay': 'overloaded' }),
    )
    expect(overloaded.status).toBe(529)
    expect(await overloaded.json()).toEqual(fixtureJson('anthropic-error-529.json'))

    await meter.close()
    const [plain, stream, pro, flash, failed] = await rows(db)
    // 150 fresh x 3.00 = 450 uUSD; 8192 read x 0.30 = 2457.6 uUSD; writes 1024 x 3.75 (5 min)
    // + 1024 x 6.00 (1 h) = 9984 uUSD; 310 out x 15.00 = 4650 uUSD. Total 17541.6 uUSD.
    expect(plain).toMatchObject({
      provider: 'anthropic',
      endpoint: '/messages',
      model: 'claude-sonnet-4-5',
      servedModel: 'claude-sonnet-4-5-20250929',
      usage: {
        inputTokens: 10390,
        cacheReadTokens: 8192,
        cacheWriteTokens: 2048,
        cacheWrite1hTokens: 1024,
        outputTokens: 310,
      },
      cost: '0.0175416',
      costBreakdown: {
        input: '0.00045',
        cacheRead: '0.0024576',
        cacheWrite: '0.009984',
        output: '0.00465',
      },
      serviceTier: 'standard',
      tags: { env: 'test' },
    })
    // Streamed: message_delta usage is cumulative (40, then 58): output is 58, never 2 + 40 + 58.
    // 472 fresh x 3.00 = 1416 uUSD; 4096 read x 0.30 = 1228.8 uUSD; 58 x 15.00 = 870 uUSD.
    expect(stream).toMatchObject({
      stream: true,
      status: 'ok',
      usage: { inputTokens: 4568, cacheReadTokens: 4096, outputTokens: 58 },
      cost: '0.0035148',
    })
    expect(stream!.timeToFirstTokenMs).not.toBeNull()
    // 176 fresh x 1.25 = 220 uUSD; 1024 cached x 0.31 = 317.44 uUSD; (80 + 420 thoughts) x 10 = 5000 uUSD.
    expect(pro).toMatchObject({
      provider: 'google',
      endpoint: ':generateContent',
      requestedModel: 'gemini-2.5-pro',
      usage: { inputTokens: 1200, cacheReadTokens: 1024, outputTokens: 500, reasoningTokens: 420 },
      cost: '0.00553744',
    })
    // Last cumulative usage: 310 x 0.30 = 93 uUSD; (11 + 200 thoughts) x 2.50 = 527.5 uUSD.
    expect(flash).toMatchObject({
      endpoint: ':streamGenerateContent',
      stream: true,
      usage: { inputTokens: 310, outputTokens: 211, reasoningTokens: 200 },
      cost: '0.0006205',
    })
    expect(failed).toMatchObject({
      status: 'error',
      httpStatus: 529,
      errorType: 'overloaded_error',
      cost: '0',
    })
  })

  it('tags calls from the meter, a child meter and a runWithTags scope (inner wins)', async () => {
    const db = join(dir, 'tags.db')
    const meter = createMeter({
      store: `sqlite:${db}`,
      prices: localPrices(),
      flushOnExit: false,
      tags: { env: 'prod', team: 'core' },
    })
    const child = meter.withTags({ feature: 'search', team: 'search' })
    const call = (fetch: typeof meter.fetch) =>
      fetch(
        `${anthropic.url}/messages`,
        post({ model: 'claude-sonnet-4-5', max_tokens: 8, messages: [] }),
      ).then((r) => r.arrayBuffer())
    await call(meter.fetch)
    await child.runWithTags({ user: 'u-42', env: 'staging' }, async () => {
      await new Promise((resolve) => setTimeout(resolve, 1))
      await call(child.fetch)
    })
    await meter.close()
    const [first, second] = await rows(db)
    expect(first!.tags).toEqual({ env: 'prod', team: 'core' })
    expect(second!.tags).toEqual({
      env: 'staging',
      team: 'search',
      feature: 'search',
      user: 'u-42',
    })
  })

  it('passes other requests (GET, unknown endpoints) through unrecorded', async () => {
    const db = join(dir, 'passthrough.db')
    const meter = createMeter({ store: `sqlite:${db}`, prices: localPrices(), flushOnExit: false })
    const listed = await meter.fetch(`${anthropic.url}/models`)
    expect(listed.status).toBe(404)
    await listed.arrayBuffer()
    await meter.close()
    expect(meter.stats().written).toBe(0)
  })
})
