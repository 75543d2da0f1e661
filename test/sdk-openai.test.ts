/**
 * The `openai` SDK (6.x) through `meter.wrap`: the README's sample run as written (chat JSON and
 * stream, Responses API JSON and stream), and the stream-usage rules of OpenAI-compatible hosts
 * (asked for wherever accepted, the hidden chunk never reaching a caller who did not ask, onError
 * told when usage is missing, a malformed count estimated rather than taken as 0), with the ledger
 * read back through `tokenledger report --json`.
 * Prices (USD per 1M tokens): gpt-4o input 2.50, cache read 1.25, output 10.00; gpt-4o-mini 0.15,
 * 0.075, 0.60; gpt-4.1 2.00, 0.50, 8.00; deepseek-v4-flash on the test gateway (DeepSeek's rates of
 * 2026-04-26) 0.14, 0.0028, 0.28.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createMeter } from '@tokenledger/meter'
import { isTokenledgerError, loadPricingTable } from '@tokenledger/pricing'
import OpenAI from 'openai'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import {
  fixtureJson,
  fixtureText,
} from '../packages/meter/src/normalisers/__fixtures__/read-fixture.js'
import { runReadmeSample } from './helpers/readme-sample.js'
import { type ReplayServer, startReplayServer } from './helpers/replay-server.js'
import { localOpenAI, localPricesFile, report } from './helpers/sdk-ledger.js'

const README = 'packages/meter/README.md'
const QUESTION = [{ role: 'user' as const, content: 'How should the meter write?' }]

let dir: string
let openai: ReplayServer
let gateway: ReplayServer

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'tokenledger-sdk-openai-'))
  openai = await startReplayServer({
    'gpt-4o': { json: fixtureJson('openai-chat-cached.json') },
    'gpt-4o-mini stream': { sse: fixtureText('openai-stream-usage.sse') },
    'gpt-4.1': { json: fixtureJson('openai-responses.json') },
    'gpt-4.1 stream': { sse: fixtureText('openai-responses-stream.sse') },
  })
  // An OpenAI-compatible gateway serving DeepSeek's model (hand-written payloads, see HAND-WRITTEN.md).
  const answer = 'Batch the writes off the call path.'
  gateway = await startReplayServer({
    'null-usage': { sse: fixtureText('gateway-stream-null-usage.sse') },
    'malformed-stream': { sse: fixtureText('gateway-stream-malformed-output.sse') },
    'malformed-json': {
      json: {
        id: 'chatcmpl-gw-7f3a9c22',
        object: 'chat.completion',
        created: 1763765301,
        model: 'deepseek-v4-flash',
        choices: [
          { index: 0, message: { role: 'assistant', content: answer }, finish_reason: 'stop' },
        ],
        usage: {
          prompt_tokens: 640,
          completion_tokens: '9',
          prompt_tokens_details: { cached_tokens: 512 },
        },
      },
    },
    // The same stream with no usage anywhere: what a host that ignores include_usage sends.
    'no-usage': {
      sse: fixtureText('gateway-stream-null-usage.sse').replace(
        /,"usage":\{[^}]*\{[^}]*\}\}/,
        ',"usage":null',
      ),
    },
  })
})

afterAll(async () => {
  await Promise.all([openai?.close(), gateway?.close()])
  rmSync(dir, { recursive: true, force: true })
})

describe('the README sample for the openai SDK', () => {
  it('records chat JSON and stream, Responses JSON and stream, exactly', async () => {
    const db = join(dir, 'readme-openai.db')
    const prices = localPricesFile(dir, [localOpenAI(openai.url)])
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {})
    await runReadmeSample(README, 'openai', {
      TOKENLEDGER_DB: `sqlite:${db}`,
      TOKENLEDGER_PRICES: prices,
      OPENAI_BASE_URL: openai.url,
      OPENAI_API_KEY: 'test',
    })
    expect(warn).not.toHaveBeenCalled()
    warn.mockRestore()
    // The stream's usage was asked for, on the caller's behalf.
    const streamed = openai.requests.find((request) => request.route === 'gpt-4o-mini stream')
    expect(streamed?.body).toMatchObject({ stream: true, stream_options: { include_usage: true } })

    const groups = await report(db)
    // gpt-4o: 86 fresh x 2.50 = 215, 1920 cached x 1.25 = 2400, 300 out x 10 = 3000 -> 5615 uUSD
    expect(groups['gpt-4o']).toMatchObject({
      calls: 1,
      inputTokens: 2006,
      cacheReadTokens: 1920,
      outputTokens: 300,
      cost: '0.005615',
      unpricedCalls: 0,
    })
    // gpt-4o-mini stream: 70 x 0.15 = 10.5, 1280 x 0.075 = 96, 5 x 0.60 = 3 -> 109.5 uUSD
    expect(groups['gpt-4o-mini']).toMatchObject({
      calls: 1,
      inputTokens: 1350,
      cacheReadTokens: 1280,
      outputTokens: 5,
      cost: '0.0001095',
    })
    // gpt-4.1 JSON: 1024 x 2 = 2048, 4096 x 0.5 = 2048, 96 x 8 = 768 -> 4864 uUSD;
    // stream: 952 x 2 = 1904, 2048 x 0.5 = 1024, 12 x 8 = 96 -> 3024 uUSD; together 7888 uUSD
    expect(groups['gpt-4.1']).toMatchObject({
      calls: 2,
      inputTokens: 8120,
      cacheReadTokens: 6144,
      outputTokens: 108,
      cost: '0.007888',
      errorCalls: 0,
    })
    expect(Object.keys(groups).sort()).toEqual(['gpt-4.1', 'gpt-4o', 'gpt-4o-mini'])
  })
})

/**
 * A DeepSeek-style gateway provider for the tests below, carrying DeepSeek's own flat rates of
 * 2026-04-26 (a fact, from its pricing page): DeepSeek's current cards bill by the time of day,
 * which would make exact figures depend on when the test runs.
 */
function gatewayPrices() {
  const file = join(dir, 'gateway-prices.json')
  writeFileSync(
    file,
    JSON.stringify({
      id: 'gateway',
      name: 'Test gateway serving DeepSeek V4 Flash (DeepSeek-style usage)',
      apiBaseUrls: [],
      usageStyle: 'deepseek',
      reportsCost: false,
      models: [
        {
          id: 'deepseek-v4-flash',
          cards: [
            {
              from: '2026-04-26T12:15:00Z',
              source: 'https://api-docs.deepseek.com/quick_start/pricing',
              checked: '2026-05-22',
              note: "Test fixture: DeepSeek's own rates from this date, on a test provider.",
              rates: { input: '0.14', output: '0.28', cacheRead: '0.0028' },
            },
          ],
        },
      ],
    }),
  )
  return loadPricingTable({ overrides: [file], env: {} })
}

describe('stream usage of OpenAI-compatible hosts', () => {
  it('asks a gateway for usage even with a DeepSeek-style provider, and hides the choices: [] / usage: null chunk', async () => {
    const db = join(dir, 'gateway.db')
    const errors: Error[] = []
    const meter = createMeter({
      store: `sqlite:${db}`,
      prices: gatewayPrices(),
      onError: (error) => errors.push(error),
      flushOnExit: false,
    })
    const bare = new OpenAI({ baseURL: gateway.url, apiKey: 'test', maxRetries: 0 })
    const wrapped = meter.wrap(bare, { provider: 'gateway' })
    const read = async (
      client: OpenAI,
      options: { stream_options?: { include_usage: boolean } } = {},
    ) => {
      const stream = await client.chat.completions.create(
        { model: 'deepseek-v4-flash', messages: QUESTION, stream: true, ...options },
        { headers: { 'x-replay': 'null-usage' } },
      )
      const chunks: OpenAI.ChatCompletionChunk[] = []
      for await (const chunk of stream) chunks.push(chunk)
      return chunks
    }
    const chunks = await read(wrapped)
    // The gateway is not DeepSeek's own API: the meter asked for the usage...
    expect(gateway.requests.at(-1)!.body).toMatchObject({ stream_options: { include_usage: true } })
    // ...and the caller gets the 7 chunks with a choice, not the 8th that exists only because it asked.
    expect(chunks).toHaveLength(7)
    expect(chunks.every((chunk) => chunk.choices.length === 1)).toBe(true)
    expect(chunks.at(-1)!.usage?.prompt_tokens).toBe(640)
    // A caller who asked gets every chunk, as from a bare client.
    expect(await read(wrapped, { stream_options: { include_usage: true } })).toEqual(
      await read(bare, { stream_options: { include_usage: true } }),
    )
    await meter.close()
    expect(errors).toEqual([])
    // 128 fresh x 0.14 = 17.92, 512 cached x 0.0028 = 1.4336, 9 out x 0.28 = 2.52 -> 21.8736 uUSD, twice
    expect((await report(db))['deepseek-v4-flash']).toMatchObject({
      calls: 2,
      inputTokens: 1280,
      cacheReadTokens: 1024,
      outputTokens: 18,
      cost: '0.0000437472',
    })
  })

  it("does not touch a request to DeepSeek's own API, which sends usage unasked", async () => {
    let sent: RequestInit | undefined
    const meter = createMeter({
      store: `sqlite:${join(dir, 'own-api.db')}`,
      flushOnExit: false,
      fetch: async (_input, init) => {
        sent = init
        return new Response(fixtureText('deepseek-stream-reasoning.sse'), {
          headers: { 'content-type': 'text/event-stream' },
        })
      },
    })
    const body = JSON.stringify({ model: 'deepseek-v4-flash', messages: QUESTION, stream: true })
    const response = await meter.fetch.withProvider('deepseek')(
      'https://api.deepseek.com/chat/completions',
      { method: 'POST', body },
    )
    await response.text()
    expect(sent!.body).toBe(body)
    await meter.close()
  })

  it('estimates a malformed completion_tokens from the streamed text, as the JSON path does (never 0)', async () => {
    const db = join(dir, 'malformed.db')
    const meter = createMeter({
      store: `sqlite:${db}`,
      prices: gatewayPrices(),
      flushOnExit: false,
    })
    const wrapped = meter.wrap(
      new OpenAI({ baseURL: gateway.url, apiKey: 'test', maxRetries: 0 }),
      { provider: 'gateway' },
    )
    await wrapped.chat.completions.create(
      { model: 'deepseek-v4-flash', messages: QUESTION },
      { headers: { 'x-replay': 'malformed-json' } },
    )
    const stream = await wrapped.chat.completions.create(
      { model: 'deepseek-v4-flash', messages: QUESTION, stream: true },
      { headers: { 'x-replay': 'malformed-stream' } },
    )
    for await (const _ of stream) {
      // drain
    }
    await meter.close()
    // The stream's text "Batch the writes off the call path." is 35 characters -> ceil(35 / 4) = 9
    // output tokens, estimated; the JSON answer's text counts its finish_reason "stop" too (39 -> 10).
    // Input as reported: 128 x 0.14 = 17.92 + 512 x 0.0028 = 1.4336; output 9 x 0.28 = 2.52 and
    // 10 x 0.28 = 2.8 -> 21.8736 + 22.1536 = 44.0272 uUSD.
    expect((await report(db))['deepseek-v4-flash']).toMatchObject({
      calls: 2,
      inputTokens: 1280,
      outputTokens: 19,
      cost: '0.0000440272',
    })
  })

  it('tells onError once when streams come back without usage, and records them estimated', async () => {
    const db = join(dir, 'no-usage.db')
    const errors: Array<{ error: Error; phase: string }> = []
    const meter = createMeter({
      store: `sqlite:${db}`,
      prices: gatewayPrices(),
      onError: (error, context) => errors.push({ error, phase: context.phase }),
      flushOnExit: false,
    })
    const wrapped = meter.wrap(
      new OpenAI({ baseURL: gateway.url, apiKey: 'test', maxRetries: 0 }),
      { provider: 'gateway' },
    )
    for (let i = 0; i < 3; i++) {
      const stream = await wrapped.chat.completions.create(
        { model: 'deepseek-v4-flash', messages: QUESTION, stream: true },
        { headers: { 'x-replay': 'no-usage' } },
      )
      for await (const _ of stream) {
        // drain
      }
    }
    await meter.close()
    expect(errors).toHaveLength(1)
    expect(isTokenledgerError(errors[0]!.error, 'USAGE_MISSING')).toBe(true)
    expect(errors[0]!.phase).toBe('record')
    expect(errors[0]!.error.message).toBe(
      'gateway /chat/completions (model "deepseek-v4-flash"): the stream carried no usable input or output count although the meter asked for it ' +
        '(stream_options.include_usage); its tokens are estimated from the text and flagged "estimated" in the record (told once for this provider and endpoint)',
    )
    // Prompt "How should the meter write?" (27 chars) -> ceil(27 / 4) + 4 = 11; output 9, estimated.
    expect((await report(db))['deepseek-v4-flash']).toMatchObject({
      calls: 3,
      inputTokens: 33,
      outputTokens: 27,
    })
  })
})

describe('provider per call', () => {
  it('detects each URL, records an unknown host under its name and tells onError once per host with the fix', async () => {
    const db = join(dir, 'hosts.db')
    const errors: Error[] = []
    const meter = createMeter({
      store: `sqlite:${db}`,
      prices: gatewayPrices(),
      onError: (error) => errors.push(error),
      flushOnExit: false,
    })
    const unknown = meter.wrap(new OpenAI({ baseURL: gateway.url, apiKey: 'test', maxRetries: 0 }))
    for (let i = 0; i < 2; i++) {
      await unknown.chat.completions.create(
        { model: 'deepseek-v4-flash', messages: QUESTION },
        { headers: { 'x-replay': 'malformed-json' } },
      )
    }
    // The same host through meter.fetch.withProvider: priced as the gateway provider.
    const named = new OpenAI({
      baseURL: gateway.url,
      apiKey: 'test',
      maxRetries: 0,
      fetch: meter.fetch.withProvider('gateway'),
    })
    await named.chat.completions.create(
      { model: 'deepseek-v4-flash', messages: QUESTION },
      { headers: { 'x-replay': 'malformed-json' } },
    )
    await meter.close()
    const host = new URL(gateway.url).host
    const unpriced = errors.filter((error) => isTokenledgerError(error, 'PROVIDER_UNKNOWN'))
    expect(unpriced).toHaveLength(1)
    expect(unpriced[0]!.message).toBe(
      `${gateway.url}: no provider of the pricing table has this base URL, so calls to it are recorded with provider "${host}" and unpriced (cost null); ` +
        'name the provider with createMeter({ provider }), meter.fetch.withProvider(id) or meter.wrap(client, { provider }), ' +
        "or add the URL to a provider's apiBaseUrls in a price file (createMeter({ prices }))",
    )
    const groups = await report(db, 'provider')
    expect(groups[host]).toMatchObject({ calls: 2, unpricedCalls: 2 })
    expect(groups['gateway']).toMatchObject({ calls: 1, unpricedCalls: 0, cost: '0.0000221536' })
  })

  it('rejects an unknown provider id in withProvider, naming the option', () => {
    const meter = createMeter({ store: `sqlite:${join(dir, 'never.db')}`, flushOnExit: false })
    expect(() => meter.fetch.withProvider('deepseak')).toThrow(
      /^meter\.fetch\.withProvider\(provider\): unknown provider "deepseak"; expected one of /,
    )
  })
})
