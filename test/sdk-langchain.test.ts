/**
 * LangChain JS (`@langchain/openai` 1.5, `@langchain/anthropic` 1.5) with `meter.fetch` in the
 * clients' options: the README's sample run as written (`invoke` and `stream` on ChatOpenAI and
 * ChatAnthropic), the ledger read back through `tokenledger report --json`.
 * The Anthropic payloads are replayed as served by claude-haiku-4-5 (only the model name changed).
 * Prices (USD per 1M tokens): gpt-4o input 2.50, cache read 1.25, output 10.00; gpt-4o-mini 0.15,
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
  dir = mkdtempSync(join(tmpdir(), 'tokenledger-sdk-langchain-'))
  openai = await startReplayServer({
    'gpt-4o': { json: fixtureJson('openai-chat-cached.json') },
    'gpt-4o-mini stream': { sse: fixtureText('openai-stream-usage.sse') },
  })
  anthropic = await startReplayServer(haikuReplays())
})

afterAll(async () => {
  await Promise.all([openai?.close(), anthropic?.close()])
  rmSync(dir, { recursive: true, force: true })
})

describe('the README sample for LangChain JS', () => {
  it('records invoke and stream of ChatOpenAI and ChatAnthropic exactly', async () => {
    const db = join(dir, 'readme.db')
    const prices = localPricesFile(dir, [localOpenAI(openai.url), localAnthropic(anthropic.url)])
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {})
    await runReadmeSample('packages/meter/README.md', 'langchain', {
      TOKENLEDGER_DB: `sqlite:${db}`,
      TOKENLEDGER_PRICES: prices,
      OPENAI_BASE_URL: openai.url,
      OPENAI_API_KEY: 'test',
      ANTHROPIC_BASE_URL: anthropic.url.replace(/\/v1$/, ''),
      ANTHROPIC_API_KEY: 'test',
    })
    expect(warn).not.toHaveBeenCalled()
    warn.mockRestore()

    const groups = await report(db)
    expect(Object.keys(groups).sort()).toEqual(['claude-haiku-4-5', 'gpt-4o', 'gpt-4o-mini'])
    // 86 fresh x 2.50 = 215, 1920 cached x 1.25 = 2400, 300 out x 10 = 3000 -> 5615 uUSD
    expect(groups['gpt-4o']).toMatchObject({
      calls: 1,
      inputTokens: 2006,
      cacheReadTokens: 1920,
      outputTokens: 300,
      cost: '0.005615',
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
      errorCalls: 0,
    })
  })
})
