/**
 * `@anthropic-ai/sdk` (1.x): the README's sample run as written (a message with 5-minute and 1-hour
 * cache writes and cache reads, then `messages.stream()`), and the same calls through
 * `new Anthropic({ fetch: meter.fetch })`; the ledger read back through `tokenledger report --json`.
 * The recorded Anthropic payloads are replayed as served by claude-haiku-4-5 (the SDK warns about
 * the older claude-sonnet-4-5 of the recordings being deprecated): only the model name is changed.
 * Prices (USD per 1M tokens): claude-haiku-4-5 input 1.00, cache read 0.10, 5-minute write 1.25,
 * 1-hour write 2.00, output 5.00.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Anthropic from '@anthropic-ai/sdk'
import { createMeter } from '@tokenledger/meter'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { runReadmeSample } from './helpers/readme-sample.js'
import { type ReplayServer, startReplayServer } from './helpers/replay-server.js'
import { haikuReplays, localAnthropic, localPricesFile, report } from './helpers/sdk-ledger.js'

let dir: string
let server: ReplayServer
let prices: string

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'tokenledger-sdk-anthropic-'))
  server = await startReplayServer(haikuReplays())
  prices = localPricesFile(dir, [localAnthropic(server.url)])
})

afterAll(async () => {
  await server?.close()
  rmSync(dir, { recursive: true, force: true })
})

/** The Anthropic SDK appends /v1/messages to its base URL. */
const sdkBase = () => server.url.replace(/\/v1$/, '')

/**
 * Message: input 150 fresh + 1024 written for 5 minutes + 1024 for 1 hour + 8192 read = 10390;
 *   150 x 1 = 150, 1024 x 1.25 = 1280, 1024 x 2 = 2048, 8192 x 0.10 = 819.2, 310 x 5 = 1550
 *   -> 5847.2 uUSD.
 * Stream: 472 fresh + 4096 read = 4568, output 58 (the last cumulative count, not 2 + 40 + 58):
 *   472 x 1 = 472, 4096 x 0.10 = 409.6, 58 x 5 = 290 -> 1171.6 uUSD.
 * Together 7018.8 uUSD.
 */
const EXPECTED = {
  calls: 2,
  inputTokens: 14958,
  cacheReadTokens: 12288,
  cacheWriteTokens: 2048,
  outputTokens: 368,
  cost: '0.0070188',
  unpricedCalls: 0,
  errorCalls: 0,
}

describe('the README sample for @anthropic-ai/sdk', () => {
  it('records a cached message (5m and 1h writes) and a stream exactly', async () => {
    const db = join(dir, 'readme.db')
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {})
    const log = vi.spyOn(console, 'log').mockImplementation(() => {})
    await runReadmeSample('packages/meter/README.md', 'anthropic', {
      TOKENLEDGER_DB: `sqlite:${db}`,
      TOKENLEDGER_PRICES: prices,
      ANTHROPIC_BASE_URL: sdkBase(),
      ANTHROPIC_API_KEY: 'test',
    })
    expect(warn).not.toHaveBeenCalled()
    // The streamed answer, as the caller read it.
    expect(log.mock.calls).toEqual([['Revenue grew 12% while costs stayed flat.']])
    warn.mockRestore()
    log.mockRestore()
    const groups = await report(db)
    expect(Object.keys(groups)).toEqual(['claude-haiku-4-5'])
    expect(groups['claude-haiku-4-5']).toMatchObject(EXPECTED)
  })
})

describe('new Anthropic({ fetch: meter.fetch })', () => {
  it('records the same figures, and the caller gets what a bare client gets', async () => {
    const db = join(dir, 'fetch.db')
    const errors: Error[] = []
    const meter = createMeter({
      store: `sqlite:${db}`,
      onError: (error) => errors.push(error),
      flushOnExit: false,
    })
    const options = { baseURL: sdkBase(), apiKey: 'test', maxRetries: 0 }
    const bare = new Anthropic(options)
    const metered = new Anthropic({ ...options, fetch: meter.fetch.withProvider('anthropic') })
    const request = {
      model: 'claude-haiku-4-5',
      max_tokens: 400,
      messages: [{ role: 'user' as const, content: 'Summarise.' }],
    }
    expect(await metered.messages.create(request)).toEqual(await bare.messages.create(request))
    const events: string[] = []
    for await (const event of await metered.messages.create({ ...request, stream: true }))
      events.push(event.type)
    const bareEvents: string[] = []
    for await (const event of await bare.messages.create({ ...request, stream: true }))
      bareEvents.push(event.type)
    expect(events).toEqual(bareEvents)
    await meter.close()
    expect(errors).toEqual([])
    expect((await report(db))['claude-haiku-4-5']).toMatchObject(EXPECTED)
  })
})
