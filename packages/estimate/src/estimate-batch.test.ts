import { randomUUID } from 'node:crypto'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { loadPricingTable, picoFromUsd, type Usage, usdFromPico } from '@tokenledger/pricing'
import { type CallRecord, openStore } from '@tokenledger/store'
import { reportedUsage } from '@tokenledger/store/testing'
import { afterAll, describe, expect, it } from 'vitest'
import { COUNTED_INPUT_TAG } from './calibration.js'
import { countRequest, countTokens } from './count-request.js'
import { estimateBatch } from './estimate-batch.js'

const table = loadPricingTable({
  bundled: false,
  env: {},
  overrides: [fileURLToPath(new URL('./__fixtures__/test-prices.json', import.meta.url))],
})
const at = new Date('2026-05-01T10:00:00Z')
const dir = mkdtempSync(join(tmpdir(), 'tokenledger-estimate-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

function writeLines(name: string, lines: unknown[]): string {
  const path = join(dir, name)
  writeFileSync(
    path,
    lines.map((line) => (typeof line === 'string' ? line : JSON.stringify(line))).join('\n'),
  )
  return path
}

const batchLine = (id: string, body: Record<string, unknown>) => ({
  custom_id: id,
  method: 'POST',
  url: '/v1/chat/completions',
  body,
})
// Picodollars per token of a rate in USD per 1M tokens: 0.15 -> 150,000.
const pico = (rate: string) => BigInt(Math.round(Number(rate) * 1e6))

describe('estimateBatch on gpt-4o-mini (exact tokenizer)', () => {
  const system = `${'You classify support tickets by urgency and product area. '.repeat(150)}Answer in JSON.`
  const bodies = [
    {
      model: 'gpt-4o-mini',
      messages: [
        { role: 'system', content: system },
        { role: 'user', content: 'My invoice is wrong.' },
      ],
      max_tokens: 100,
    },
    {
      model: 'gpt-4o-mini',
      messages: [
        { role: 'system', content: system },
        { role: 'user', content: 'App crashes on start 🙁' },
      ],
      max_tokens: 200,
    },
    {
      model: 'gpt-4o-mini',
      messages: [
        { role: 'system', content: system },
        { role: 'user', content: '請幫我重設密碼' },
      ],
      max_tokens: 1000,
    },
  ]
  const file = writeLines(
    'mini.jsonl',
    bodies.map((body, i) => batchLine(`r${i}`, body)),
  )

  it('prices every option exactly, cheapest first, with output as low / expected / high', async () => {
    const estimate = await estimateBatch({ file, table, at })
    const input = bodies.reduce((sum, body) => sum + countRequest(body).tokens, 0)
    expect(estimate).toMatchObject({ requests: 3, skipped: 0, inputTokens: input, workers: 0 })
    // No history: low 50 and expected 300 per request, capped by each max_tokens; high = max_tokens.
    expect(estimate.output).toEqual({ low: 150, expected: 100 + 200 + 300, high: 1300 })

    const cost = (inputRate: string, outputRate: string, output: number) =>
      usdFromPico(BigInt(input) * pico(inputRate) + BigInt(output) * pico(outputRate))
    expect(estimate.providers.map((row) => [row.option, row.cost])).toEqual([
      [
        'batch',
        {
          low: cost('0.075', '0.30', 150),
          expected: cost('0.075', '0.30', 600),
          high: cost('0.075', '0.30', 1300),
        },
      ],
      [
        'flex',
        {
          low: cost('0.075', '0.30', 150),
          expected: cost('0.075', '0.30', 600),
          high: cost('0.075', '0.30', 1300),
        },
      ],
      [
        'standard',
        {
          low: cost('0.15', '0.60', 150),
          expected: cost('0.15', '0.60', 600),
          high: cost('0.15', '0.60', 1300),
        },
      ],
    ])
    expect(estimate.providers[2]!.cards).toEqual(['openai/gpt-4o-mini@2024-07-18T00:00:00.000Z'])
    expect(estimate.providers[0]!.cards).toEqual([
      'openai/gpt-4o-mini@2024-07-18T00:00:00.000Z+batch',
    ])
  })

  it('reports the shared system prompt as a separate cache line (1,024 tokens, then 128-token steps)', async () => {
    const estimate = await estimateBatch({ file, table, at, provider: 'openai' })
    // The prefix is the system message: 3 framing + "system" + its text.
    const prefix =
      3 + countTokens('system', 'gpt-4o-mini').tokens + countTokens(system, 'gpt-4o-mini').tokens
    expect(prefix).toBeGreaterThan(1024)
    const cachedPerRequest = 1024 + Math.floor((prefix - 1024) / 128) * 128
    const standard = estimate.providers.find((row) => row.option === 'standard')!
    expect(standard.cacheEffect.policy).toBe('automatic')
    // The first request writes the prefix, the two others read it.
    expect(standard.cacheEffect.cachedTokens).toBe(2 * cachedPerRequest)
    const savings = BigInt(2 * cachedPerRequest) * (pico('0.15') - pico('0.075'))
    expect(standard.cacheEffect.savings).toBe(usdFromPico(savings))
    expect(standard.cacheEffect.expectedWithCache).toBe(
      usdFromPico(picoFromUsd(standard.cost!.expected) - savings),
    )
    // The range itself never includes the cache effect.
    expect(picoFromUsd(standard.cost!.low)).toBeGreaterThan(savings)
  })

  it('lists only the batch tier with batchOnly', async () => {
    const estimate = await estimateBatch({ file, table, at, batchOnly: true })
    expect(estimate.providers.map((row) => [row.provider, row.option, row.serviceTier])).toEqual([
      ['openai', 'batch', 'batch'],
    ])
  })
})

describe('estimateBatch across providers of deepseek-v4-flash (approximate tokenizer)', () => {
  const system =
    'Tu es un assistant juridique. Réponds en français, cite les articles de loi. '.repeat(40)
  const prompts = [
    'Qu’est-ce qu’un bail commercial ?',
    'Délai de préavis pour un CDI ?',
    'Puis-je refuser une heure supplémentaire ?',
    'Code: `if (x) { y() }` — légal ?',
  ]
  const file = join(dir, 'prompts.txt')
  writeFileSync(file, `${prompts.join('\n')}\n`)

  it('compares providers cheapest first, with off-peak option, unpriced last, and says why', async () => {
    const estimate = await estimateBatch({ file, table, at, model: 'deepseek-v4-flash', system })
    const inputs = prompts.map((prompt) =>
      countRequest({
        model: 'deepseek-v4-flash',
        messages: [
          { role: 'system', content: system },
          { role: 'user', content: prompt },
        ],
      }),
    )
    expect(
      inputs.every(
        (count) => !count.exact && count.tokens === Math.ceil((count.countedTokens * 1050) / 1000),
      ),
    ).toBe(true)
    const input = inputs.reduce((sum, count) => sum + count.tokens, 0)
    expect(estimate.inputTokens).toBe(input)
    // A reasoning model without history: 300 / 2,000 per request; no max_tokens: high = 384,000.
    expect(estimate.output).toEqual({ low: 4 * 300, expected: 4 * 2000, high: 4 * 384_000 })

    const rows = estimate.providers.map((row) => [
      row.provider,
      row.option,
      row.at,
      row.cost?.expected ?? null,
    ])
    const expected = (inputRate: string, outputRate: string) =>
      usdFromPico(BigInt(input) * pico(inputRate) + 8000n * pico(outputRate))
    expect(rows).toEqual([
      ['deepseek', 'off-peak', '2026-05-01T16:30:00.000Z', expected('0.07', '0.14')],
      ['deepseek', 'standard', at.toISOString(), expected('0.14', '0.28')],
      ['openrouter', 'standard', at.toISOString(), expected('0.15', '0.30')],
      ['oxen', 'standard', at.toISOString(), null],
    ])
    expect(estimate.providers[3]!.notes).toContain(
      'no price known at this instant: unpriced, not zero',
    )

    // DeepSeek caches automatically in 64-token units; OpenRouter's card has no cache-read price.
    const prefixBase =
      3 +
      countTokens('system', 'deepseek-v4-flash').countedTokens +
      countTokens(system, 'deepseek-v4-flash').countedTokens
    const prefix = Math.ceil((prefixBase * 1050) / 1000)
    const cached = 3 * Math.floor(prefix / 64) * 64
    const deepseek = estimate.providers[1]!
    expect(deepseek.cacheEffect).toMatchObject({ policy: 'automatic', cachedTokens: cached })
    expect(deepseek.cacheEffect.savings).toBe(
      usdFromPico(BigInt(cached) * (pico('0.14') - pico('0.0028'))),
    )
    expect(estimate.providers[2]!.cacheEffect.policy).toBe('none')

    const model = estimate.models[0]!
    expect(model).toMatchObject({
      model: 'deepseek-v4-flash',
      canonical: 'deepseek-v4-flash',
      known: true,
      reasoning: true,
    })
    expect(model.input).toMatchObject({
      method: 'approximate',
      factor: '1.05',
      expectedErrorPercent: 15,
    })
    expect(model.notes).toContain(
      "4 request(s) set no output limit: their high is the model's maximum output (384,000)",
    )
    expect(model.notes.some((note) => note.startsWith('reasoning model: thinking tokens'))).toBe(
      true,
    )
  })

  it('prices one provider with --provider, and an unserved model as unknown', async () => {
    const one = await estimateBatch({
      file,
      table,
      at,
      model: 'deepseek/deepseek-v4-flash',
      provider: 'openrouter',
    })
    expect(one.providers.map((row) => row.provider)).toEqual(['openrouter'])
    expect(one.models[0]!.canonical).toBe('deepseek-v4-flash')

    const unserved = await estimateBatch({
      file,
      table,
      at,
      model: 'deepseek-v4-flash',
      provider: 'openai',
    })
    expect(unserved.providers).toEqual([])
    expect(unserved.models[0]).toMatchObject({ known: false, canonical: null })
    expect(unserved.models[0]!.notes).toContain(
      'provider "openai" does not serve "deepseek-v4-flash" in the pricing table: not priced',
    )

    const unknown = await estimateBatch({ file, table, at, model: 'mystery-model-9' })
    expect(unknown).toMatchObject({ requests: 4, providers: [] })
    expect(unknown.models[0]).toMatchObject({
      known: false,
      tokenizer: { family: 'other', exact: false },
    })
  })

  it('keeps a provider without a batch tier at its standard price under batchOnly, and says so', async () => {
    const estimate = await estimateBatch({
      file,
      table,
      at,
      model: 'deepseek-v4-flash',
      batchOnly: true,
      provider: 'deepseek',
    })
    expect(estimate.providers.map((row) => [row.option, row.notes])).toEqual([
      ['standard', ['no batch tier: standard price shown']],
    ])
  })
})

describe('estimateBatch with a prompt-size tier (Gemini 2.5 Pro above 200k tokens)', () => {
  it('prices requests on both sides of the threshold exactly as pricing each one would', async () => {
    const sizes = [1_000, 150_000, 250_000, 320_000]
    const bodies = sizes.map((size) => ({
      model: 'gemini-2.5-pro',
      messages: [{ role: 'user', content: 'token '.repeat(size) }],
      max_tokens: 1000,
    }))
    const file = writeLines('gemini.jsonl', bodies)
    const estimate = await estimateBatch({ file, table, at })
    const inputs = bodies.map((body) => countRequest(body).tokens)
    expect(inputs.filter((tokens) => tokens > 200_000)).toHaveLength(2)
    const perRequest = (output: number) => {
      let total = 0n
      for (const inputTokens of inputs) {
        const usage: Usage = {
          inputTokens,
          cacheReadTokens: 0,
          cacheWriteTokens: 0,
          outputTokens: output,
          reasoningTokens: 0,
        }
        total += table.price({ provider: 'google', model: 'gemini-2.5-pro', at, usage })!.totalPico
      }
      return usdFromPico(total)
    }
    const [row] = estimate.providers
    expect(row!.cost).toEqual({
      low: perRequest(50),
      expected: perRequest(300),
      high: perRequest(1000),
    })
    expect(row!.cards).toEqual([
      'google/gemini-2.5-pro@2025-06-17T00:00:00.000Z',
      'google/gemini-2.5-pro@2025-06-17T00:00:00.000Z+tier>200000',
    ])
  })
})

describe('estimateBatch with bad lines', () => {
  it('reports each bad line with its number, skips it, and estimates the rest', async () => {
    const good = { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hello' }] }
    const file = writeLines('broken.jsonl', [
      good, // line 1
      '{"model": "gpt-4o-mini", "messages": [', // line 2: truncated JSON
      '', // line 3: blank, ignored
      good, // line 4
      batchLine('no-model', { messages: [{ role: 'user', content: 'hi' }] }), // line 5
      { custom_id: 'no-messages', body: { model: 'gpt-4o-mini' } }, // line 6
      good, // line 7
      { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 5 }] }, // line 8
      good, // line 9, no newline after it
    ])
    const estimate = await estimateBatch({ file, table, at })
    expect(estimate).toMatchObject({ requests: 4, skipped: 4, blankLines: 1 })
    expect(estimate.problems.map((problem) => problem.line)).toEqual([2, 5, 6, 8])
    expect(estimate.problems.map((problem) => problem.message)).toEqual([
      expect.stringMatching(new RegExp(`^${escape(file)}:2: invalid JSON \\(`)),
      `${file}:5: body.model: missing; give the line a "model" or pass --model`,
      `${file}:6: body.messages: expected an array of messages, got nothing`,
      `${file}:8: messages[0].content: expected a string or an array of content parts, got number 5`,
    ])
    expect(estimate.inputTokens).toBe(4 * countRequest(good).tokens)
  })

  it('keeps the first maxProblems problems but counts them all', async () => {
    const file = writeLines(
      'many-bad.jsonl',
      Array.from({ length: 30 }, (_, i) => `not json ${i}`),
    )
    const estimate = await estimateBatch({ file, table, at, maxProblems: 5 })
    expect(estimate.skipped).toBe(30)
    expect(estimate.problems.map((problem) => problem.line)).toEqual([1, 2, 3, 4, 5])
    expect(estimate.notes).toEqual(['30 lines skipped; the first 5 are listed'])
  })
})

describe('estimateBatch with a ledger (real SQLite file)', () => {
  function call(
    input: number,
    output: number,
    options: { status?: 'ok' | 'error'; tags?: Record<string, string> } = {},
  ): CallRecord {
    return {
      id: randomUUID(),
      timestamp: '2026-04-25T12:00:00.000Z',
      provider: 'deepseek',
      requestedModel: 'deepseek-v4-flash',
      servedModel: 'deepseek-v4-flash',
      model: 'deepseek-v4-flash',
      upstreamProvider: null,
      endpoint: '/chat/completions',
      stream: false,
      status: options.status ?? 'ok',
      httpStatus: options.status === 'error' ? 500 : 200,
      errorType: null,
      usage: reportedUsage(input, 0, output),
      cost: null,
      costBreakdown: null,
      card: null,
      reportedCost: null,
      latencyMs: 100,
      timeToFirstTokenMs: null,
      requestId: null,
      serviceTier: null,
      tags: options.tags ?? {},
    }
  }

  it('takes output percentiles (by prompt size where it can) and a calibration from the ledger', async () => {
    const store = await openStore(`sqlite:${join(dir, 'ledger.db')}`)
    try {
      const records: CallRecord[] = []
      // 20 short prompts (100 tokens) answered with 10..200 tokens.
      for (let i = 1; i <= 20; i++) records.push(call(100, i * 10))
      // 20 long prompts (5,000 reported tokens, counted as 4,000 by us: ratio 1.25), answered with 1,010..1,200.
      for (let i = 1; i <= 20; i++)
        records.push(
          call(5000, 1000 + i * 10, {
            tags: { [COUNTED_INPUT_TAG]: '4000', feature: 'contracts' },
          }),
        )
      // Failed calls never count.
      for (let i = 0; i < 5; i++) records.push(call(100, 90_000, { status: 'error' }))
      await store.insert(records)

      const longText = 'Clause de non-concurrence, durée et contrepartie financière. '.repeat(430)
      const file = writeLines('ledger.jsonl', [
        {
          model: 'deepseek-v4-flash',
          messages: [{ role: 'user', content: 'Bonjour' }],
          max_tokens: 5000,
        },
        {
          model: 'deepseek-v4-flash',
          messages: [{ role: 'user', content: longText }],
          max_tokens: 5000,
        },
      ])
      const estimate = await estimateBatch({ file, table, at, ledger: store, provider: 'deepseek' })
      const model = estimate.models[0]!
      expect(model.input).toMatchObject({
        method: 'calibrated',
        perMille: 1250,
        factor: '1.25',
        calls: 20,
      })
      expect(model.input.note).toBe(
        'calibrated: o200k x 1.25 from 20 ledger calls (reported / counted input tokens)',
      )
      const long = countRequest({
        model: 'deepseek-v4-flash',
        messages: [{ role: 'user', content: longText }],
      }).countedTokens
      const short = countRequest({
        model: 'deepseek-v4-flash',
        messages: [{ role: 'user', content: 'Bonjour' }],
      }).countedTokens
      expect(estimate.inputTokens).toBe(
        Math.ceil((short * 1250) / 1000) + Math.ceil((long * 1250) / 1000),
      )
      expect(Math.ceil((long * 1250) / 1000)).toBeGreaterThanOrEqual(4096) // same size band as the 5,000-token calls

      // Model level over the 40 ok calls: p10 = 4th smallest = 40, median = 20th = 200.
      expect(model.outputSource).toMatchObject({
        source: 'ledger',
        calls: 40,
        low: 40,
        expected: 200,
      })
      // The long prompt takes its band's figures: p10 = 2nd of 1,010..1,200 = 1,020, median = 10th = 1,100.
      expect(estimate.output).toEqual({ low: 40 + 1020, expected: 200 + 1100, high: 10_000 })
      expect(model.notes).toContain(
        '1 request(s) took their expected output from ledger calls of a similar prompt size',
      )

      const tagged = await estimateBatch({
        file,
        table,
        at,
        ledger: store,
        provider: 'deepseek',
        history: { tags: { feature: 'contracts' } },
      })
      expect(tagged.models[0]!.outputSource).toMatchObject({
        source: 'ledger',
        calls: 20,
        low: 1020,
        expected: 1100,
      })
    } finally {
      await store.close()
    }
  })

  it('falls back to defaults and the family prior when the ledger knows too little', async () => {
    const store = await openStore(`sqlite:${join(dir, 'small-ledger.db')}`)
    try {
      await store.insert([call(100, 10, { tags: { [COUNTED_INPUT_TAG]: '90' } }), call(100, 20)])
      const file = writeLines('small.jsonl', [
        { model: 'deepseek-v4-flash', messages: [{ role: 'user', content: 'Hi' }] },
      ])
      const estimate = await estimateBatch({ file, table, at, ledger: store, provider: 'deepseek' })
      const model = estimate.models[0]!
      expect(model.input.method).toBe('approximate')
      expect(model.input.note).toMatch(/uncalibrated: 1 tagged ledger call\(s\), 5 needed$/)
      expect(model.outputSource).toMatchObject({ source: 'default', low: 300, expected: 2000 })
      expect(model.outputSource.note).toBe(
        'default output (2 ledger call(s), 20 needed): low 300, expected 2000',
      )
    } finally {
      await store.close()
    }
  })
})

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
}
