/**
 * Google's `@google/genai` (2.x) with `meter.fetch` in `httpOptions`: the README's sample run as
 * written (`generateContent` and `generateContentStream`), the ledger read back through
 * `tokenledger report --json`.
 * Prices (USD per 1M tokens, cards from 2026-07-24): gemini-2.5-pro (prompt <= 200k) input 1.25,
 * cache read 0.125, output 10; gemini-2.5-flash input 0.30, output 2.50.
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
import { localPricesFile, report } from './helpers/sdk-ledger.js'

let dir: string
let gemini: ReplayServer

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'tokenledger-sdk-genai-'))
  gemini = await startReplayServer(
    {
      'gemini-2.5-pro': { json: fixtureJson('gemini-generate.json') },
      'gemini-2.5-flash stream': { sse: fixtureText('gemini-stream.sse') },
    },
    '/v1beta',
  )
})

afterAll(async () => {
  await gemini?.close()
  rmSync(dir, { recursive: true, force: true })
})

describe('the README sample for @google/genai', () => {
  it('records generateContent and generateContentStream exactly, thinking tokens billed as output', async () => {
    const db = join(dir, 'readme.db')
    const prices = localPricesFile(dir, [
      { id: 'google', name: 'Google', usageStyle: 'gemini', url: gemini.url },
    ])
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {})
    await runReadmeSample('packages/meter/README.md', 'google-genai', {
      TOKENLEDGER_DB: `sqlite:${db}`,
      TOKENLEDGER_PRICES: prices,
      GOOGLE_GEMINI_BASE_URL: gemini.url.replace(/\/v1beta$/, ''),
      GEMINI_API_KEY: 'test',
    })
    expect(warn).not.toHaveBeenCalled()
    warn.mockRestore()
    expect(gemini.requests.map((request) => request.route)).toEqual([
      'gemini-2.5-pro',
      'gemini-2.5-flash stream',
    ])

    const groups = await report(db)
    expect(Object.keys(groups).sort()).toEqual(['gemini-2.5-flash', 'gemini-2.5-pro'])
    // prompt 1200 of which 1024 cached; output 80 + 420 thinking = 500:
    //   176 x 1.25 = 220, 1024 x 0.125 = 128, 500 x 10 = 5000 -> 5348 uUSD
    expect(groups['gemini-2.5-pro']).toMatchObject({
      calls: 1,
      inputTokens: 1200,
      cacheReadTokens: 1024,
      outputTokens: 500,
      reasoningTokens: 420,
      cost: '0.005348',
    })
    // the last cumulative usage: prompt 310, output 11 + 200 thinking = 211:
    //   310 x 0.30 = 93, 211 x 2.50 = 527.5 -> 620.5 uUSD
    expect(groups['gemini-2.5-flash']).toMatchObject({
      calls: 1,
      inputTokens: 310,
      outputTokens: 211,
      reasoningTokens: 200,
      cost: '0.0006205',
    })
  })
})
