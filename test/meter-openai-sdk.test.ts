/**
 * End to end: the real `openai` SDK (6.x), wrapped by the meter, against a local server replaying
 * recorded DeepSeek, OpenRouter and TokenHub payloads, with a real SQLite ledger. Each test checks
 * what the caller sees (identical to an unwrapped client) and what the ledger holds, to the
 * picodollar. Prices are those of the fixed May 2026 table (helpers/fixed-prices.ts), in force now:
 * - DeepSeek deepseek-v4-flash (from 2026-04-26 12:15Z): input 0.14, cache read 0.0028, output 0.28
 * - OpenRouter deepseek/deepseek-v4-flash (from 2026-04-24): input 0.14, output 0.28, no cache-read
 *   rate (cache reads are priced as fresh input)
 * - TokenHub deepseek-v4-flash (from 2026-04-24): input 0.15, cache read 0.003, output 0.30
 * all in USD per 1M tokens, so 1 token at 0.14 costs 0.00000014 USD.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createMeter, type Meter } from '@tokenledger/meter'
import { type CallRecord, openStore } from '@tokenledger/store'
import OpenAI, { type APIError } from 'openai'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  fixtureJson,
  fixtureText,
} from '../packages/meter/src/normalisers/__fixtures__/read-fixture.js'
import { callOrder, type ReplayServer, startReplayServer } from './helpers/replay-server.js'
import { runCli } from './helpers/run-cli.js'
import { localPricesFile } from './helpers/sdk-ledger.js'
import { fixedPricingTable } from './helpers/fixed-prices.js'

const QUESTION = [{ role: 'user' as const, content: 'What is the capital of Australia?' }]

let dir: string
let deepseek: ReplayServer
let openrouter: ReplayServer
let tokenhub: ReplayServer
let openai: ReplayServer

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'tokenledger-meter-e2e-'))
  deepseek = await startReplayServer({
    'deepseek-v4-flash': { json: fixtureJson('deepseek-chat-cache-hit.json') },
    reasoning: { json: fixtureJson('deepseek-reasoning.json') },
    stream: { sse: fixtureText('deepseek-stream-reasoning.sse') },
    // Blocks 0-6: role, three reasoning chunks, a keep-alive comment, "The capital", " of Australia".
    'stream-pause': { sse: fixtureText('deepseek-stream-reasoning.sse'), pauseAfterBlocks: 7 },
    // Blocks 0-5: the same up to "The capital", then the connection dies.
    'stream-cut': { sse: fixtureText('deepseek-stream-reasoning.sse'), cutAfterBlocks: 6 },
    boom: { status: 500, json: fixtureJson('openai-error-500.json') },
    'mystery-model-9000': {
      json: {
        ...fixtureJson<Record<string, unknown>>('deepseek-chat-cache-hit.json'),
        model: 'mystery-model-9000',
      },
    },
  })
  openrouter = await startReplayServer(
    {
      'deepseek/deepseek-v4-flash': { json: fixtureJson('openrouter-chat.json') },
      stream: { sse: fixtureText('openrouter-stream.sse') },
    },
    '/api/v1',
  )
  openai = await startReplayServer({
    'gpt-4.1': { json: fixtureJson('openai-responses.json') },
    'o4-mini': { json: fixtureJson('openai-chat-reasoning.json') },
    // retry-after-ms keeps the SDK's backoff short.
    flaky: {
      status: 503,
      json: fixtureJson('openai-error-500.json'),
      headers: { 'retry-after-ms': '1' },
    },
  })
  tokenhub = await startReplayServer({
    'deepseek-v4-flash': { json: fixtureJson('tokenhub-chat.json') },
    stream: { sse: fixtureText('tokenhub-stream.sse') },
  })
})

afterAll(async () => {
  await Promise.all([deepseek?.close(), openrouter?.close(), tokenhub?.close(), openai?.close()])
  rmSync(dir, { recursive: true, force: true })
})

let ledgerCounter = 0

/**
 * The bundled table with DeepSeek's API at the DeepSeek replay server: it stands for DeepSeek's own
 * API, whose streams the meter leaves as they are (it would ask a gateway for usage).
 */
function localPrices() {
  const file = localPricesFile(dir, [
    { id: 'deepseek', name: 'DeepSeek', usageStyle: 'deepseek', url: deepseek.url },
  ])
  return fixedPricingTable([file])
}

/** A fresh meter on a fresh SQLite ledger file. */
function freshMeter(): { meter: Meter; db: string; errors: unknown[] } {
  const db = join(dir, `ledger-${++ledgerCounter}.db`)
  const errors: unknown[] = []
  const meter = createMeter({
    store: `sqlite:${db}`,
    prices: localPrices(),
    onError: (error) => errors.push(error),
    flushOnExit: false,
  })
  return { meter, db, errors }
}

function client(server: ReplayServer): OpenAI {
  return new OpenAI({ baseURL: server.url, apiKey: 'test', maxRetries: 0 })
}

/** Every record of a ledger, oldest first. */
async function ledgerRows(db: string): Promise<CallRecord[]> {
  const store = await openStore(`sqlite:${db}`)
  try {
    const { rows } = await store.listCalls({ limit: 1000, offset: 0 })
    return rows.sort(callOrder)
  } finally {
    await store.close()
  }
}

describe('meter.wrap(openai client) against replayed DeepSeek', () => {
  it('records a cache hit at the cache-read rate, and the caller sees exactly what a bare client sees', async () => {
    const { meter, db, errors } = freshMeter()
    const bare = client(deepseek)
    const wrapped = meter.wrap(bare, { provider: 'deepseek', tags: { feature: 'contracts' } })

    const expected = await bare.chat.completions.create({
      model: 'deepseek-v4-flash',
      messages: QUESTION,
    })
    const { data, response } = await wrapped.chat.completions
      .create({ model: 'deepseek-v4-flash', messages: QUESTION })
      .withResponse()
    expect(data).toEqual(expected)
    expect(response.status).toBe(200)
    expect(response.headers.get('x-request-id')).toMatch(/^req_replay_/)

    await meter.close()
    const [row, ...rest] = await ledgerRows(db)
    expect(rest).toEqual([])
    // input 1536 = 1280 cache hits + 256 misses, output 120:
    //   256 x 0.14 = 35.84 uUSD, 1280 x 0.0028 = 3.584 uUSD, 120 x 0.28 = 33.6 uUSD
    //   total 73.024 uUSD = 0.000073024 USD; savings 1280 x (0.14 - 0.0028) = 0.000175616 USD
    expect(row).toMatchObject({
      provider: 'deepseek',
      requestedModel: 'deepseek-v4-flash',
      servedModel: 'deepseek-v4-flash',
      model: 'deepseek-v4-flash',
      upstreamProvider: null,
      endpoint: '/chat/completions',
      stream: false,
      status: 'ok',
      httpStatus: 200,
      errorType: null,
      usage: {
        inputTokens: 1536,
        cacheReadTokens: 1280,
        cacheWriteTokens: 0,
        outputTokens: 120,
        reasoningTokens: 0,
        provenance: {
          inputTokens: 'reported',
          cacheReadTokens: 'reported',
          cacheWriteTokens: 'missing',
          outputTokens: 'reported',
          reasoningTokens: 'missing',
        },
      },
      cost: '0.000073024',
      costBreakdown: {
        input: '0.00003584',
        cacheRead: '0.000003584',
        cacheWrite: '0',
        output: '0.0000336',
      },
      cacheSavings: '0.000175616',
      card: 'deepseek/deepseek-v4-flash@2026-04-26T12:15:00.000Z',
      reportedCost: null,
      timeToFirstTokenMs: null,
      requestId: response.headers.get('x-request-id'),
      tags: { feature: 'contracts' },
    })
    expect(row!.latencyMs).toBeGreaterThanOrEqual(0)
    expect(errors).toEqual([])
  })

  it('bills reasoning tokens as output, streamed or not, and hides nothing the caller asked for', async () => {
    const { meter, db } = freshMeter()
    const wrapped = meter.wrap(client(deepseek), { provider: 'deepseek' })

    const answer = await wrapped.chat.completions.create(
      { model: 'deepseek-v4-flash', messages: QUESTION },
      { headers: { 'x-replay': 'reasoning' } },
    )
    expect(answer.usage?.completion_tokens).toBe(345)

    const stream = await wrapped.chat.completions.create(
      { model: 'deepseek-v4-flash', messages: QUESTION, stream: true },
      { headers: { 'x-replay': 'stream' } },
    )
    const chunks: OpenAI.ChatCompletionChunk[] = []
    for await (const chunk of stream) chunks.push(chunk)
    // DeepSeek's usage rides on the last chunk with a choice: the caller gets all 8 chunks.
    expect(chunks).toHaveLength(8)
    expect(chunks.map((chunk) => chunk.choices[0]?.delta.content ?? '').join('')).toBe(
      'The capital of Australia is Canberra.',
    )
    // DeepSeek sends its usage unasked: the request went out exactly as the caller wrote it.
    expect(deepseek.requests.at(-1)!.body!['stream_options']).toBeUndefined()

    await meter.close()
    const [plain, streamed] = await ledgerRows(db)
    // 18 x 0.14 = 2.52 uUSD; 345 x 0.28 = 96.6 uUSD (315 of them reasoning): 0.00009912 USD
    expect(plain).toMatchObject({
      stream: false,
      usage: { inputTokens: 18, outputTokens: 345, reasoningTokens: 315 },
      cost: '0.00009912',
    })
    // 24 x 0.14 = 3.36 uUSD; 60 x 0.28 = 16.8 uUSD: 0.00002016 USD
    expect(streamed).toMatchObject({
      stream: true,
      status: 'ok',
      usage: { inputTokens: 24, cacheReadTokens: 0, outputTokens: 60, reasoningTokens: 41 },
      cost: '0.00002016',
    })
    expect(streamed!.usage.provenance.outputTokens).toBe('reported')
    expect(streamed!.timeToFirstTokenMs).toBeGreaterThanOrEqual(0)
    expect(streamed!.timeToFirstTokenMs!).toBeLessThanOrEqual(streamed!.latencyMs!)
  })

  it('records a 500 as an error and throws the same error as a bare client', async () => {
    const { meter, db } = freshMeter()
    const bare = client(deepseek)
    const wrapped = meter.wrap(bare, { provider: 'deepseek' })
    const call = (c: OpenAI) =>
      c.chat.completions.create(
        { model: 'deepseek-v4-flash', messages: QUESTION },
        { headers: { 'x-replay': 'boom' } },
      )

    const bareError = await call(bare).catch((error: unknown) => error)
    const wrappedError = await call(wrapped).catch((error: unknown) => error)
    expect(wrappedError).toBeInstanceOf(OpenAI.InternalServerError)
    expect(wrappedError).toBeInstanceOf((bareError as object).constructor)
    expect((wrappedError as APIError).status).toBe(500)
    expect((wrappedError as APIError).message).toBe((bareError as APIError).message)
    expect((wrappedError as APIError).error).toEqual((bareError as APIError).error)

    await meter.close()
    const rows = await ledgerRows(db)
    expect(rows).toHaveLength(1)
    // Failed calls are not billed: zero usage flagged missing, priced at exactly 0 with the card.
    expect(rows[0]).toMatchObject({
      status: 'error',
      httpStatus: 500,
      errorType: 'server_error',
      model: 'deepseek-v4-flash',
      usage: {
        inputTokens: 0,
        outputTokens: 0,
        provenance: { inputTokens: 'missing', outputTokens: 'missing' },
      },
      cost: '0',
      card: 'deepseek/deepseek-v4-flash@2026-04-26T12:15:00.000Z',
    })
  })

  it('records a stream the caller stops reading as aborted, with usage estimated from the prompt and text seen', async () => {
    const { meter, db } = freshMeter()
    const wrapped = meter.wrap(client(deepseek), { provider: 'deepseek' })
    const stream = await wrapped.chat.completions.create(
      { model: 'deepseek-v4-flash', messages: QUESTION, stream: true },
      { headers: { 'x-replay': 'stream-pause' } },
    )
    let content = ''
    for await (const chunk of stream) {
      content += chunk.choices[0]?.delta.content ?? ''
      if (content === 'The capital of Australia') break
    }
    await meter.close()
    const [row] = await ledgerRows(db)
    // Prompt: "What is the capital of Australia?" = 33 chars -> ceil(33/4) + 4 per message = 13.
    // Seen: reasoning 17 + 26 + 28 = 71 chars -> 18 tokens; answer 11 + 13 = 24 chars -> 6 tokens;
    // output 6 + 18 = 24 tokens. Cost: 13 x 0.14 = 1.82 uUSD + 24 x 0.28 = 6.72 uUSD = 0.00000854 USD.
    expect(row).toMatchObject({
      status: 'aborted',
      stream: true,
      httpStatus: 200,
      usage: {
        inputTokens: 13,
        cacheReadTokens: 0,
        outputTokens: 24,
        reasoningTokens: 18,
        provenance: {
          inputTokens: 'estimated',
          cacheReadTokens: 'missing',
          cacheWriteTokens: 'missing',
          outputTokens: 'estimated',
          reasoningTokens: 'estimated',
        },
      },
      cost: '0.00000854',
    })
  })

  it('records a stream whose connection breaks as aborted, and the caller gets the same error', async () => {
    const { meter, db } = freshMeter()
    const bare = client(deepseek)
    const wrapped = meter.wrap(bare, { provider: 'deepseek' })
    const consume = async (c: OpenAI): Promise<{ content: string; error: unknown }> => {
      let content = ''
      try {
        const stream = await c.chat.completions.create(
          { model: 'deepseek-v4-flash', messages: QUESTION, stream: true },
          { headers: { 'x-replay': 'stream-cut' } },
        )
        for await (const chunk of stream) content += chunk.choices[0]?.delta.content ?? ''
        return { content, error: null }
      } catch (error) {
        return { content, error }
      }
    }
    const bareResult = await consume(bare)
    const wrappedResult = await consume(wrapped)
    expect(wrappedResult.content).toBe('The capital')
    expect(wrappedResult.content).toBe(bareResult.content)
    expect(wrappedResult.error).toBeInstanceOf(Error)
    expect((wrappedResult.error as Error).constructor).toBe((bareResult.error as Error).constructor)
    expect((wrappedResult.error as Error).message).toBe((bareResult.error as Error).message)

    await meter.close()
    const [row] = await ledgerRows(db)
    // Prompt 13 (as above); seen: reasoning 71 chars -> 18, answer "The capital" 11 chars -> 3;
    // output 21. Cost: 13 x 0.14 = 1.82 uUSD + 21 x 0.28 = 5.88 uUSD = 0.0000077 USD.
    expect(row).toMatchObject({
      status: 'aborted',
      usage: { inputTokens: 13, outputTokens: 21, reasoningTokens: 18 },
      cost: '0.0000077',
    })
    expect(row!.errorType).toBeTruthy()
  })

  it('records a call whose body the caller never reads (asResponse), when the meter flushes', async () => {
    const { meter, db } = freshMeter()
    const wrapped = meter.wrap(client(deepseek), { provider: 'deepseek' })
    const raw = await wrapped.chat.completions
      .create({ model: 'deepseek-v4-flash', messages: QUESTION })
      .asResponse()
    expect(raw.status).toBe(200)
    await meter.flush()
    // The meter read its own clone; the caller's body is still unread and readable.
    expect(raw.bodyUsed).toBe(false)
    expect(((await raw.json()) as { usage: { prompt_tokens: number } }).usage.prompt_tokens).toBe(
      1536,
    )
    await meter.close()
    const rows = await ledgerRows(db)
    expect(rows).toHaveLength(1)
    expect(rows[0]).toMatchObject({ status: 'ok', cost: '0.000073024' })
  })

  it('tags SDK calls made inside runWithTags, streams included, without touching their arguments', async () => {
    const { meter, db } = freshMeter()
    const wrapped = meter
      .withTags({ team: 'legal' })
      .wrap(client(deepseek), { provider: 'deepseek', tags: { app: 'contracts' } })
    await meter.runWithTags({ user: 'u-7' }, async () => {
      await wrapped.chat.completions.create({ model: 'deepseek-v4-flash', messages: QUESTION })
      const stream = await wrapped.chat.completions.create(
        { model: 'deepseek-v4-flash', messages: QUESTION, stream: true },
        { headers: { 'x-replay': 'stream' } },
      )
      for await (const _ of stream) {
        // drain
      }
    })
    await wrapped.chat.completions.create({ model: 'deepseek-v4-flash', messages: QUESTION })
    await meter.close()
    expect((await ledgerRows(db)).map((row) => row.tags)).toEqual([
      { team: 'legal', app: 'contracts', user: 'u-7' },
      { team: 'legal', app: 'contracts', user: 'u-7' },
      { team: 'legal', app: 'contracts' },
    ])
  })

  it('records an unknown model as unpriced (cost null, never 0) with its usage', async () => {
    const { meter, db } = freshMeter()
    const wrapped = meter.wrap(client(deepseek), { provider: 'deepseek' })
    await wrapped.chat.completions.create({ model: 'mystery-model-9000', messages: QUESTION })
    await meter.close()
    const [row] = await ledgerRows(db)
    expect(row).toMatchObject({
      provider: 'deepseek',
      requestedModel: 'mystery-model-9000',
      servedModel: 'mystery-model-9000',
      model: null,
      status: 'ok',
      usage: { inputTokens: 1536, cacheReadTokens: 1280, outputTokens: 120 },
      cost: null,
      costBreakdown: null,
      card: null,
    })
  })
})

describe('meter.wrap(openai client) against replayed OpenRouter', () => {
  it('keeps the reported cost beside ours and names the upstream', async () => {
    const { meter, db } = freshMeter()
    const wrapped = meter.wrap(client(openrouter), { provider: 'openrouter' })
    const answer = await wrapped.chat.completions.create({
      model: 'deepseek/deepseek-v4-flash',
      messages: QUESTION,
    })
    expect(answer.model).toBe('deepseek/deepseek-v4-flash')

    const stream = await wrapped.chat.completions.create(
      { model: 'deepseek/deepseek-v4-flash', messages: QUESTION, stream: true },
      { headers: { 'x-replay': 'stream' } },
    )
    const chunks: OpenAI.ChatCompletionChunk[] = []
    for await (const chunk of stream) chunks.push(chunk)
    // OpenRouter always sends its usage chunk (choices: []); the meter neither asks nor hides it.
    expect(chunks).toHaveLength(7)
    expect(chunks.at(-1)!.choices).toEqual([])
    expect(openrouter.requests.at(-1)!.body!['stream_options']).toBeUndefined()

    await meter.close()
    const [plain, streamed] = await ledgerRows(db)
    // 2048 input of which 1792 cached (no cache-read rate: priced as input), 256 output:
    //   2048 x 0.14 = 286.72 uUSD, 256 x 0.28 = 71.68 uUSD: 0.0003584 USD. OpenRouter said 0.0001073.
    expect(plain).toMatchObject({
      provider: 'openrouter',
      requestedModel: 'deepseek/deepseek-v4-flash',
      model: 'deepseek-v4-flash',
      upstreamProvider: 'DeepSeek',
      usage: { inputTokens: 2048, cacheReadTokens: 1792, outputTokens: 256, reasoningTokens: 128 },
      cost: '0.0003584',
      costBreakdown: {
        input: '0.00003584',
        cacheRead: '0.00025088',
        cacheWrite: '0',
        output: '0.00007168',
      },
      reportedCost: '0.0001073',
      card: 'openrouter/deepseek-v4-flash@2026-04-24T00:00:00.000Z',
    })
    // 3072 x 0.14 = 430.08 uUSD, 40 x 0.28 = 11.2 uUSD: 0.00044128 USD. OpenRouter said 0.00005129.
    expect(streamed).toMatchObject({
      stream: true,
      status: 'ok',
      upstreamProvider: 'DeepSeek',
      usage: { inputTokens: 3072, cacheReadTokens: 2560, outputTokens: 40, reasoningTokens: 12 },
      cost: '0.00044128',
      reportedCost: '0.00005129',
    })
  })
})

describe('meter.wrap(openai client) against replayed TokenHub', () => {
  it('asks for stream usage without the caller seeing the extra chunk', async () => {
    const { meter, db } = freshMeter()
    const wrapped = meter.wrap(client(tokenhub), { provider: 'tokenhub' })
    await wrapped.chat.completions.create({ model: 'deepseek-v4-flash', messages: QUESTION })

    const stream = await wrapped.chat.completions.create(
      { model: 'deepseek-v4-flash', messages: QUESTION, stream: true },
      { headers: { 'x-replay': 'stream' } },
    )
    const chunks: OpenAI.ChatCompletionChunk[] = []
    for await (const chunk of stream) chunks.push(chunk)
    // The provider sent 6 chunks; the 6th (choices: [], usage) exists only because the meter asked.
    expect(chunks).toHaveLength(5)
    expect(chunks.every((chunk) => chunk.choices.length === 1)).toBe(true)
    expect(tokenhub.requests.at(-1)!.body).toMatchObject({
      stream_options: { include_usage: true },
    })

    // A caller that asks for usage itself gets the usage chunk, as without the meter.
    const asked = await wrapped.chat.completions.create(
      {
        model: 'deepseek-v4-flash',
        messages: QUESTION,
        stream: true,
        stream_options: { include_usage: true },
      },
      { headers: { 'x-replay': 'stream' } },
    )
    const askedChunks: OpenAI.ChatCompletionChunk[] = []
    for await (const chunk of asked) askedChunks.push(chunk)
    expect(askedChunks).toHaveLength(6)
    expect(askedChunks.at(-1)!.usage?.prompt_tokens).toBe(800)

    await meter.close()
    const rows = await ledgerRows(db)
    expect(rows).toHaveLength(3)
    // 4000 input (3000 cached), 500 output: 1000 x 0.15 = 150, 3000 x 0.003 = 9, 500 x 0.30 = 150
    //   -> 309 uUSD = 0.000309 USD
    expect(rows[0]).toMatchObject({
      provider: 'tokenhub',
      model: 'deepseek-v4-flash',
      cost: '0.000309',
    })
    // 800 input (512 cached), 6 output: 288 x 0.15 = 43.2, 512 x 0.003 = 1.536, 6 x 0.30 = 1.8
    //   -> 46.536 uUSD = 0.000046536 USD, for both streams
    for (const row of rows.slice(1)) {
      expect(row).toMatchObject({
        stream: true,
        status: 'ok',
        usage: { inputTokens: 800, cacheReadTokens: 512, outputTokens: 6 },
        cost: '0.000046536',
      })
    }
  })
})

describe('meter.wrap(openai client) against replayed OpenAI', () => {
  it('reads the Responses API usage and prices a flex service tier', async () => {
    const { meter, db } = freshMeter()
    const wrapped = meter.wrap(client(openai), { provider: 'openai' })
    const response = await wrapped.responses.create({
      model: 'gpt-4.1',
      input: 'Which regions exceeded budget?',
    })
    expect(response.output_text).toBe('Three regions exceeded budget in Q3.')
    await wrapped.chat.completions.create({
      model: 'o4-mini',
      messages: QUESTION,
      service_tier: 'flex',
    })
    await meter.close()
    const [responses, flex] = await ledgerRows(db)
    // gpt-4.1 (served as gpt-4.1-2025-04-14, an alias): 5120 input of which 4096 cached, 96 output:
    //   1024 x 2.00 = 2048 uUSD, 4096 x 0.50 = 2048 uUSD, 96 x 8.00 = 768 uUSD: 0.004864 USD
    expect(responses).toMatchObject({
      endpoint: '/responses',
      servedModel: 'gpt-4.1-2025-04-14',
      model: 'gpt-4.1',
      usage: { inputTokens: 5120, cacheReadTokens: 4096, outputTokens: 96 },
      cost: '0.004864',
      serviceTier: 'default',
    })
    // o4-mini at flex (half price): 74 x 0.55 = 40.7 uUSD, 1186 x 2.20 = 2609.2 uUSD: 0.0026499 USD
    expect(flex).toMatchObject({
      model: 'o4-mini',
      serviceTier: 'flex',
      usage: { inputTokens: 74, outputTokens: 1186, reasoningTokens: 1152 },
      cost: '0.0026499',
      card: 'openai/o4-mini@2025-04-16T00:00:00.000Z+flex',
    })
  })

  it('records every attempt of an SDK retry loop, the failed ones as errors', async () => {
    const { meter, db } = freshMeter()
    const wrapped = meter.wrap(new OpenAI({ baseURL: openai.url, apiKey: 'test', maxRetries: 2 }), {
      provider: 'openai',
    })
    const error = await wrapped.chat.completions
      .create({ model: 'gpt-4o', messages: QUESTION }, { headers: { 'x-replay': 'flaky' } })
      .catch((thrown: unknown) => thrown)
    expect(error).toBeInstanceOf(OpenAI.APIError)
    expect((error as APIError).status).toBe(503)
    await meter.close()
    const rows = await ledgerRows(db)
    // One try plus two retries, each its own record.
    expect(rows).toHaveLength(3)
    expect(new Set(rows.map((row) => row.id)).size).toBe(3)
    for (const row of rows)
      expect(row).toMatchObject({
        status: 'error',
        httpStatus: 503,
        errorType: 'server_error',
        cost: '0',
      })
  })
})

describe('one ledger for every scenario, read back with `tokenledger report --json`', () => {
  it('holds exactly the expected calls and costs per provider', async () => {
    const { meter, db, errors } = freshMeter()
    const ds = meter.wrap(client(deepseek), { provider: 'deepseek' })
    const or = meter.wrap(client(openrouter), { provider: 'openrouter' })
    const th = meter.wrap(client(tokenhub), { provider: 'tokenhub' })
    const drain = async (stream: AsyncIterable<unknown>, stopAfter = Infinity) => {
      let seen = 0
      for await (const _ of stream) if (++seen >= stopAfter) break
    }
    const replay = (route: string) => ({ headers: { 'x-replay': route } })
    const streamed = { model: 'deepseek-v4-flash', messages: QUESTION, stream: true } as const

    await ds.chat.completions.create({ model: 'deepseek-v4-flash', messages: QUESTION })
    await ds.chat.completions.create(
      { model: 'deepseek-v4-flash', messages: QUESTION },
      replay('reasoning'),
    )
    await drain(await ds.chat.completions.create(streamed, replay('stream')))
    await ds.chat.completions
      .create({ model: 'deepseek-v4-flash', messages: QUESTION }, replay('boom'))
      .catch(() => {})
    // Stop after 6 chunks: role, 3 reasoning, "The capital", " of Australia" (as in the test above).
    await drain(await ds.chat.completions.create(streamed, replay('stream-pause')), 6)
    await drain(await ds.chat.completions.create(streamed, replay('stream-cut'))).catch(() => {})
    await ds.chat.completions.create({ model: 'mystery-model-9000', messages: QUESTION })
    await or.chat.completions.create({ model: 'deepseek/deepseek-v4-flash', messages: QUESTION })
    await drain(
      await or.chat.completions.create(
        { ...streamed, model: 'deepseek/deepseek-v4-flash' },
        replay('stream'),
      ),
    )
    await th.chat.completions.create({ model: 'deepseek-v4-flash', messages: QUESTION })
    await drain(await th.chat.completions.create(streamed, replay('stream')))
    await meter.close()
    expect(errors).toEqual([])

    const result = runCli(['report', '--db', `sqlite:${db}`, '--by', 'provider', '--json'])
    expect(result.stderr).toBe('')
    expect(result.code).toBe(0)
    // Costs are the sums of the per-call figures worked out in the tests above, in uUSD:
    // DeepSeek 73.024 + 99.12 + 20.16 + 0 (500) + 8.54 (stopped) + 7.7 (cut) = 208.544, and the
    // unknown model unpriced; OpenRouter 358.4 + 441.28 = 799.68 (reported 107.3 + 51.29);
    // TokenHub 309 + 46.536 = 355.536.
    expect(JSON.parse(result.stdout)).toEqual([
      {
        group: 'openrouter',
        keys: { provider: 'openrouter' },
        calls: 2,
        inputTokens: 5120,
        cacheReadTokens: 4352,
        cacheWriteTokens: 0,
        outputTokens: 296,
        reasoningTokens: 140,
        cost: '0.00079968',
        reportedCost: '0.00015859',
        unpricedCalls: 0,
        reportedCostOfUnpriced: null,
        unpricedReportedCalls: 0,
        spend: '0.00079968',
        errorCalls: 0,
      },
      {
        group: 'tokenhub',
        keys: { provider: 'tokenhub' },
        calls: 2,
        inputTokens: 4800,
        cacheReadTokens: 3512,
        cacheWriteTokens: 0,
        outputTokens: 506,
        reasoningTokens: 200,
        cost: '0.000355536',
        reportedCost: null,
        unpricedCalls: 0,
        reportedCostOfUnpriced: null,
        unpricedReportedCalls: 0,
        spend: '0.000355536',
        errorCalls: 0,
      },
      {
        group: 'deepseek',
        keys: { provider: 'deepseek' },
        calls: 7,
        inputTokens: 3140,
        cacheReadTokens: 2560,
        cacheWriteTokens: 0,
        outputTokens: 690,
        reasoningTokens: 392,
        cost: '0.000208544',
        reportedCost: null,
        unpricedCalls: 1,
        reportedCostOfUnpriced: null,
        unpricedReportedCalls: 0,
        spend: '0.000208544',
        errorCalls: 1,
      },
    ])
    const statuses = (await ledgerRows(db)).map((row) => row.status)
    expect(statuses.filter((status) => status === 'aborted')).toHaveLength(2)
  })
})
