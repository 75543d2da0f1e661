/**
 * The Vercel AI SDK (`ai` 6, `@ai-sdk/openai` 3, `@ai-sdk/anthropic` 3) with `meter.fetch` as the
 * providers' fetch: the README's sample run as written (`generateText` and `streamText`, Responses
 * API and chat completions, Anthropic), the ledger read back through `tokenledger report --json`.
 * The Anthropic payloads are replayed as served by claude-haiku-4-5 (only the model name changed).
 * Prices (USD per 1M tokens): gpt-4.1 input 2.00, cache read 0.50, output 8.00; gpt-4o-mini 0.15,
 * 0.075, 0.60; claude-haiku-4-5 input 1.00, cache read 0.10, 5-minute write 1.25, 1-hour write
 * 2.00, output 5.00.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import {
  fixtureJson,
  fixtureText,
} from '../packages/meter/src/normalisers/__fixtures__/read-fixture.js'
import { runReadmeSample } from './helpers/readme-sample.js'
import { type ReplayServer, startReplayServer } from './helpers/replay-server.js'
import {
  haikuReplays,
  localOpenAI,
  localAnthropic,
  localPricesFile,
  report,
} from './helpers/sdk-ledger.js'

let dir: string
let openai: ReplayServer
let anthropic: ReplayServer

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'tokenledger-sdk-vercel-ai-'))
  openai = await startReplayServer({
    'gpt-4.1': { json: fixtureJson('openai-responses.json') },
    'gpt-4.1 stream': { sse: fixtureText('openai-responses-stream.sse') },
    'gpt-4o-mini stream': { sse: fixtureText('openai-stream-usage.sse') },
  })
  anthropic = await startReplayServer(haikuReplays())
})

afterAll(async () => {
  await Promise.all([openai?.close(), anthropic?.close()])
  rmSync(dir, { recursive: true, force: true })
})

describe('the README sample for the Vercel AI SDK', () => {
  it('records generateText and streamText with OpenAI and Anthropic exactly', async () => {
    const db = join(dir, 'readme.db')
    const prices = localPricesFile(dir, [localOpenAI(openai.url), localAnthropic(anthropic.url)])
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {})
    const log = vi.spyOn(console, 'log').mockImplementation(() => {})
    const written: string[] = []
    const write = vi
      .spyOn(process.stdout, 'write')
      .mockImplementation((text) => written.push(String(text)) > 0)
    try {
      await runReadmeSample('packages/meter/README.md', 'vercel-ai', {
        TOKENLEDGER_DB: `sqlite:${db}`,
        TOKENLEDGER_PRICES: prices,
        OPENAI_BASE_URL: openai.url,
        OPENAI_API_KEY: 'test',
        ANTHROPIC_BASE_URL: anthropic.url,
        ANTHROPIC_API_KEY: 'test',
      })
    } finally {
      write.mockRestore()
    }
    expect(warn).not.toHaveBeenCalled()
    // What the caller read: the streamed Responses text, and Claude's streamed answer.
    expect(written.join('')).toBe('Two regions exceeded budget.')
    expect(log.mock.calls).toEqual([['Revenue grew 12% while costs stayed flat.']])
    warn.mockRestore()
    log.mockRestore()
    // The AI SDK asks for chat stream usage itself: the meter hid nothing, added nothing.
    expect(
      openai.requests.find((request) => request.route === 'gpt-4o-mini stream')?.body,
    ).toMatchObject({ stream_options: { include_usage: true } })

    const groups = await report(db)
    expect(Object.keys(groups).sort()).toEqual(['claude-haiku-4-5', 'gpt-4.1', 'gpt-4o-mini'])
    // Responses JSON 4864 uUSD + stream 3024 uUSD (worked out in sdk-openai.test.ts)
    expect(groups['gpt-4.1']).toMatchObject({
      calls: 2,
      inputTokens: 8120,
      cacheReadTokens: 6144,
      outputTokens: 108,
      cost: '0.007888',
      errorCalls: 0,
    })
    // 70 x 0.15 = 10.5, 1280 x 0.075 = 96, 5 x 0.60 = 3 -> 109.5 uUSD
    expect(groups['gpt-4o-mini']).toMatchObject({
      calls: 1,
      inputTokens: 1350,
      cacheReadTokens: 1280,
      outputTokens: 5,
      cost: '0.0001095',
    })
    // Message 5847.2 uUSD (5m and 1h cache writes) + stream 1171.6 uUSD (sdk-anthropic.test.ts)
    expect(groups['claude-haiku-4-5']).toMatchObject({
      calls: 2,
      inputTokens: 14958,
      cacheReadTokens: 12288,
      cacheWriteTokens: 2048,
      outputTokens: 368,
      cost: '0.0070188',
      unpricedCalls: 0,
    })
  })
})
