import { randomUUID } from 'node:crypto'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { countRequest, estimateBatch } from '@tokenledger/estimate'
import { loadPricingTable, picoFromUsd } from '@tokenledger/pricing'
import { type CallRecord, openStore } from '@tokenledger/store'
import { reportedUsage } from '@tokenledger/store/testing'
import { afterAll, describe, expect, it } from 'vitest'
import { runCli } from './helpers/run-cli.js'

// The estimate package's test prices, merged over the bundled table through $TOKENLEDGER_PRICES the
// way a user's override is. Expectations come from the library on the same table, so they hold
// whatever the bundled prices become; the library's own tests check the money by hand.
const PRICES = fileURLToPath(
  new URL('../packages/estimate/src/__fixtures__/test-prices.json', import.meta.url),
)
const dir = mkdtempSync(join(tmpdir(), 'tokenledger-cli-estimate-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))
// No ledger unless --db says so: the default one points at a file that does not exist.
const env = { TOKENLEDGER_PRICES: PRICES, TOKENLEDGER_DB: join(dir, 'absent.db') }
const table = loadPricingTable({ env: {}, overrides: [PRICES] })

function write(name: string, lines: unknown[]): string {
  const path = join(dir, name)
  writeFileSync(
    path,
    `${lines.map((line) => (typeof line === 'string' ? line : JSON.stringify(line))).join('\n')}\n`,
  )
  return path
}

const bodies = [
  {
    model: 'gpt-4o-mini',
    messages: [
      { role: 'system', content: 'Classify the ticket.' },
      { role: 'user', content: 'Refund please' },
    ],
    max_tokens: 120,
  },
  {
    model: 'gpt-4o-mini',
    messages: [
      { role: 'system', content: 'Classify the ticket.' },
      { role: 'user', content: 'ログインできません' },
    ],
    max_tokens: 40,
  },
]
const batchFile = write(
  'batch.jsonl',
  bodies.map((body, i) => ({
    custom_id: `r-${i}`,
    method: 'POST',
    url: '/v1/chat/completions',
    body,
  })),
)

describe('tokenledger estimate', () => {
  it('prints the --json shape with exact decimal amounts, the same as the library, cheapest option first', async () => {
    const result = runCli(
      ['estimate', batchFile, '--provider', 'openai', '--at', '2026-05-01', '--json'],
      env,
    )
    expect(result.stderr).toBe('')
    expect(result.code).toBe(0)
    const json = JSON.parse(result.stdout)
    const input = bodies.reduce((sum, body) => sum + countRequest(body).tokens, 0)
    // No ledger: low 50 and expected 300 per request, capped by max_tokens (120, 40).
    expect(json).toMatchObject({
      requests: 2,
      skipped: 0,
      inputTokens: input,
      output: { low: 50 + 40, expected: 120 + 40, high: 160 },
    })
    for (const row of json.providers) {
      expect(row).toMatchObject({
        provider: 'openai',
        model: 'gpt-4o-mini',
        cost: { low: expect.stringMatching(/^\d+(\.\d+)?$/) },
      })
    }
    const library = await estimateBatch({
      file: batchFile,
      table,
      provider: 'openai',
      at: new Date('2026-05-01T00:00:00Z'),
    })
    expect(json.providers).toEqual(JSON.parse(JSON.stringify(library.providers)))
    const batch = json.providers.find((row: { option: string }) => row.option === 'batch')
    const standard = json.providers.find((row: { option: string }) => row.option === 'standard')
    expect(json.providers[0].option).not.toBe('standard')
    expect(picoFromUsd(standard.cost.expected)).toBe(2n * picoFromUsd(batch.cost.expected))
  })

  it('draws a table by default, with the cache effect on its own lines', async () => {
    const system = write('system.txt', [
      'Tu es un assistant juridique. Réponds en français. '.repeat(60),
    ])
    const prompts = join(dir, 'prompts.txt')
    writeFileSync(prompts, 'Délai de préavis ?\nBail commercial ?\nRupture conventionnelle ?\n')
    const result = runCli(
      [
        'estimate',
        prompts,
        '--model',
        'deepseek-v4-flash',
        '--system',
        system,
        '--compare',
        '--at',
        '2026-05-01T10:00:00Z',
      ],
      env,
    )
    expect(result.code).toBe(0)
    expect(result.stdout).toContain(`${prompts}: 3 requests`)
    expect(result.stdout).toMatch(
      /│ oxen\s+│ deepseek-v4-flash │ standard\s+│\s+unpriced │\s+unpriced │\s+unpriced │/,
    )
    expect(result.stdout).toMatch(
      /prefix cache, deepseek standard: expected \$[\d.]+ if [\d,]+ shared-prefix tokens hit the cache/,
    )
    expect(result.stdout).toContain(
      'approximate: o200k x 1.05 (deepseek prior, expected error +/-15%), uncalibrated',
    )
    // Rows in the library's order: cheapest expected first, unpriced last.
    const library = await estimateBatch({
      file: prompts,
      table,
      model: 'deepseek-v4-flash',
      system: 'Tu es un assistant juridique. Réponds en français. '.repeat(60),
      at: new Date('2026-05-01T10:00:00Z'),
    })
    const order = [...result.stdout.matchAll(/^│ ([\w-]+)\s+│ deepseek-v4-flash │ ([\w-]+)/gm)].map(
      (m) => `${m[1]} ${m[2]}`,
    )
    expect(order).toEqual(library.providers.map((row) => `${row.provider} ${row.option}`))
    // Unpriced rows last: Oxen.ai (no published price), and catalog-only providers whose first
    // card is later than the instant priced.
    const unpriced = [
      ...result.stdout.matchAll(/^│ ([\w-]+)\s+│ deepseek-v4-flash │ ([\w-]+)\s+│\s+unpriced │/gm),
    ].map((m) => `${m[1]} ${m[2]}`)
    expect(unpriced).toContain('oxen standard')
    expect(order.slice(-unpriced.length)).toEqual(unpriced)
  })

  it('skips bad lines, names them on stderr with their line numbers, and exits 3', () => {
    const file = write('broken.jsonl', [
      bodies[0],
      '{"model":',
      '',
      bodies[1],
      { model: 'gpt-4o-mini' },
    ])
    const result = runCli(['estimate', file, '--at', '2026-05-01'], env)
    expect(result.code).toBe(3)
    expect(result.stdout).toContain(`${file}: 2 requests (2 line(s) skipped)`)
    expect(result.stderr.split('\n').filter(Boolean)).toEqual([
      expect.stringMatching(
        new RegExp(`^skipped ${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:2: invalid JSON`),
      ),
      `skipped ${file}:5: messages: expected an array of messages, got nothing`,
    ])
    const json = JSON.parse(runCli(['estimate', file, '--at', '2026-05-01', '--json'], env).stdout)
    expect(json).toMatchObject({ requests: 2, skipped: 2 })
    expect(json.problems.map((problem: { line: number }) => problem.line)).toEqual([2, 5])
  })

  it('reports a line of invalid UTF-8 by its number, and names what FILE is when it is not a file', () => {
    const file = join(dir, 'latin1.jsonl')
    const good = Buffer.from(`${JSON.stringify(bodies[0])}\n`)
    // "café" written in Latin-1: 0xE9 alone is not UTF-8.
    const bad = Buffer.concat([
      Buffer.from('{"model":"gpt-4o-mini","messages":[{"role":"user","content":"caf'),
      Buffer.from([0xe9]),
      Buffer.from('"}]}\n'),
    ])
    // A real U+FFFD in valid UTF-8 is text, not an error.
    const replacement = Buffer.from(
      `${JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'a \uFFFD b' }] })}\n`,
    )
    writeFileSync(file, Buffer.concat([good, bad, replacement]))
    const result = runCli(['estimate', file, '--at', '2026-05-01'], env)
    expect(result.code).toBe(3)
    expect(result.stdout).toContain(`${file}: 2 requests (1 line(s) skipped)`)
    expect(result.stderr).toContain(`skipped ${file}:2: not valid UTF-8 text`)

    const folder = runCli(['estimate', dir, '--at', '2026-05-01'], env)
    expect(folder.code).toBe(1)
    expect(folder.stderr).toContain(
      `FILE: cannot read "${dir}": is a directory; expected a JSONL batch file`,
    )
    const device = runCli(['estimate', '/dev/zero', '--at', '2026-05-01'], env)
    expect(device.code).toBe(1)
    expect(device.stderr).toContain(
      'FILE: cannot read "/dev/zero": is not a regular file (a pipe, socket or device)',
    )
    const missing = runCli(['estimate', join(dir, 'nope.jsonl'), '--at', '2026-05-01'], env)
    expect(missing.stderr).toContain('no such file')
  })

  it('warns about a prompt above the model context window', () => {
    const file = write('huge.jsonl', [
      bodies[0],
      { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'tokens '.repeat(140_000) }] },
    ])
    const result = runCli(['estimate', file, '--at', '2026-05-01', '--json'], env)
    const model = JSON.parse(result.stdout).models.find(
      (m: { model: string }) => m.model === 'gpt-4o-mini',
    )
    expect(model.notes).toContainEqual(
      expect.stringMatching(
        /^warning: 1 request\(s\) have a prompt above the context window \(1[23]\d,\d{3} tokens\): a provider will reject them, yet they are priced here$/,
      ),
    )
  })

  it('warns when a batch file holds no requests', () => {
    const empty = join(dir, 'empty.jsonl')
    writeFileSync(empty, '')
    const result = runCli(['estimate', empty, '--model', 'gpt-4o-mini', '--at', '2026-05-01'], env)
    expect(result.stderr).toContain(`warning: ${empty} holds no requests (the file is empty)`)
    const blank = join(dir, 'blank.jsonl')
    writeFileSync(blank, '\n\n')
    expect(
      runCli(['estimate', blank, '--model', 'gpt-4o-mini', '--at', '2026-05-01'], env).stderr,
    ).toContain('holds no requests (only blank lines)')
  })

  it('exits 2 for an unknown model: at once for --model, after estimating for a model in the file', () => {
    const flag = runCli(['estimate', batchFile, '--model', 'gpt-4o-mni'], env)
    expect(flag.code).toBe(2)
    expect(flag.stdout).toBe('')
    expect(flag.stderr).toMatch(
      /^error: unknown model "gpt-4o-mni" for any provider; close matches: .*gpt-4o-mini/,
    )

    const file = write('unknown.jsonl', [
      { model: 'mystery-9', messages: [{ role: 'user', content: 'hi' }] },
    ])
    const inFile = runCli(['estimate', file, '--json'], env)
    expect(inFile.code).toBe(2)
    const json = JSON.parse(inFile.stdout)
    expect(json.providers).toEqual([])
    expect(json.models[0]).toMatchObject({ model: 'mystery-9', known: false })
  })

  it('rejects bad flags with the flag named', () => {
    expect(runCli(['estimate', join(dir, 'nope.jsonl')], env)).toMatchObject({
      code: 1,
      stderr: expect.stringContaining(
        `FILE: cannot read "${join(dir, 'nope.jsonl')}": no such file`,
      ),
    })
    expect(runCli(['estimate', batchFile, '--tag', 'oops'], env).stderr).toContain(
      '--tag: expected KEY=VALUE, got "oops"',
    )
    expect(runCli(['estimate', batchFile, '--provider', 'openai', '--compare'], env).code).not.toBe(
      0,
    )
    expect(
      runCli(['estimate', batchFile, '--system', join(dir, 'missing.txt')], env).stderr,
    ).toContain(`--system: cannot read "${join(dir, 'missing.txt')}": no such file`)
  })

  it('learns output lengths from the ledger given with --db', async () => {
    const db = join(dir, 'ledger.db')
    const store = await openStore(`sqlite:${db}`)
    const records: CallRecord[] = Array.from({ length: 30 }, (_, i) => ({
      id: randomUUID(),
      timestamp: '2026-04-20T09:00:00.000Z',
      provider: 'openai',
      requestedModel: 'gpt-4o-mini',
      servedModel: 'gpt-4o-mini-2024-07-18',
      model: 'gpt-4o-mini',
      upstreamProvider: null,
      endpoint: '/chat/completions',
      stream: false,
      status: 'ok',
      httpStatus: 200,
      errorType: null,
      usage: reportedUsage(20, 0, 10 + i),
      cost: null,
      costBreakdown: null,
      card: null,
      reportedCost: null,
      latencyMs: 300,
      timeToFirstTokenMs: null,
      requestId: null,
      serviceTier: null,
      tags: {},
    }))
    await store.insert(records)
    await store.close()
    const result = runCli(['estimate', batchFile, '--db', db, '--at', '2026-05-01', '--json'], env)
    expect(result.code).toBe(0)
    const json = JSON.parse(result.stdout)
    // 30 calls answered with 10..39 tokens: p10 = 3rd = 12, median = 15th = 24.
    expect(json.models[0].outputSource).toMatchObject({
      source: 'ledger',
      calls: 30,
      low: 12,
      expected: 24,
    })
    expect(json.output).toEqual({ low: 24, expected: 48, high: 160 })
    const noLedger = JSON.parse(
      runCli(
        ['estimate', batchFile, '--db', db, '--no-ledger', '--at', '2026-05-01', '--json'],
        env,
      ).stdout,
    )
    expect(noLedger.models[0].outputSource.source).toBe('default')
  })

  it('gives the same estimate on worker threads as in the main thread', () => {
    const many = write(
      'many.jsonl',
      Array.from({ length: 3000 }, (_, i) =>
        i === 1234
          ? '{broken'
          : {
              model: i % 3 === 0 ? 'deepseek-v4-flash' : 'gpt-4o-mini',
              messages: [
                { role: 'system', content: `Shared instructions ${'x y z '.repeat(200)}` },
                { role: 'user', content: `Question ${i}: ${'why '.repeat(i % 50)}` },
              ],
              max_tokens: 100 + (i % 7),
            },
      ),
    )
    const run = (workers: string) => {
      const result = runCli(
        ['estimate', many, '--workers', workers, '--at', '2026-05-01', '--json'],
        env,
      )
      expect(result.code).toBe(3)
      const { workers: used, ...json } = JSON.parse(result.stdout)
      return { used, json }
    }
    const inline = run('0')
    const pooled = run('2')
    expect(inline.used).toBe(0)
    expect(pooled.used).toBe(2)
    expect(pooled.json).toEqual(inline.json)
    expect(inline.json.problems).toEqual([
      { line: 1235, message: expect.stringContaining(`${many}:1235: invalid JSON`) },
    ])
  })
})
