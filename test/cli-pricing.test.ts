import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { picoFromUsd } from '@tokenledger/pricing'
import { describe, expect, it } from 'vitest'
import { runCli } from './helpers/run-cli.js'

describe('tokenledger cost', () => {
  it('prices OpenRouter DeepSeek V4 Flash at the seed prices, as JSON', () => {
    const result = runCli([
      'cost',
      '--provider',
      'openrouter',
      '--model',
      'deepseek/deepseek-v4-flash',
      '--input',
      '1000000',
      '--output',
      '1000000',
      '--at',
      '2026-05-01',
      '--json',
    ])
    expect(result.stderr).toBe('')
    expect(result.code).toBe(0)
    const json = JSON.parse(result.stdout)
    expect(json).toMatchObject({
      provider: 'openrouter',
      model: 'deepseek-v4-flash',
      currency: 'USD',
      cost: '0.42',
      breakdown: { input: '0.14', cacheRead: '0', cacheWrite: '0', output: '0.28' },
      card: {
        from: '2026-04-24T00:00:00.000Z',
        source: 'https://openrouter.ai/deepseek/deepseek-v4-flash',
      },
    })
  })

  it('prices TokenHub cache reads: 0.6 x 0.15 + 0.4 x 0.003 = 0.0912', () => {
    const result = runCli([
      'cost',
      '--provider',
      'tokenhub',
      '--model',
      'deepseek-v4-flash',
      '--input',
      '1000000',
      '--cache-read',
      '400000',
      '--output',
      '0',
      '--at',
      '2026-05-01',
      '--json',
    ])
    expect(result.code).toBe(0)
    expect(JSON.parse(result.stdout)).toMatchObject({
      cost: '0.0912',
      breakdown: { input: '0.09', cacheRead: '0.0012', cacheWrite: '0', output: '0' },
    })
  })

  it('prints a table by default', () => {
    const result = runCli([
      'cost',
      '--provider',
      'tokenhub',
      '--model',
      'deepseek-v4-flash',
      '--input',
      '1000000',
      '--cache-read',
      '400000',
      '--output',
      '0',
      '--at',
      '2026-05-01',
    ])
    expect(result.code).toBe(0)
    expect(result.stdout).toContain('tokenhub / deepseek-v4-flash at 2026-05-01T00:00:00.000Z')
    expect(result.stdout).toMatch(
      /cache read\s*│\s*400,000\s*│\s*0.003\s*│\s*0.0012\s*│\s*\$0.0012/,
    )
    expect(result.stdout).toMatch(/total\s*│\s*│\s*│\s*0.0912\s*│\s*\$0.0912/)
  })

  it('exits 2 for an unknown model, listing close matches', () => {
    const result = runCli([
      'cost',
      '--provider',
      'openrouter',
      '--model',
      'deepseek-v4-flsh',
      '--input',
      '1',
      '--output',
      '1',
    ])
    expect(result.code).toBe(2)
    expect(result.stdout).toBe('')
    expect(result.stderr).toContain(
      'error: unknown model "deepseek-v4-flsh" for provider "openrouter"; close matches: deepseek-v4-flash',
    )
  })

  it('rejects bad flags with a clear message', () => {
    const cases: Array<[string[], string]> = [
      [
        ['--input', '-5', '--output', '1'],
        '--input: expected a non-negative whole number of tokens, got "-5"',
      ],
      [
        ['--input', '1.5', '--output', '1'],
        '--input: expected a non-negative whole number of tokens, got "1.5"',
      ],
      [
        ['--input', '10', '--output', '1', '--cache-read', '11'],
        '--cache-read + --cache-write (11) exceed --input (10): cached tokens are part of the input',
      ],
      [
        ['--input', '10', '--output', '1', '--reasoning', '2'],
        '--reasoning (2) exceeds --output (1): reasoning tokens are part of the output',
      ],
      [
        ['--input', '10', '--output', '1', '--at', 'yesterday'],
        '--at: expected a date YYYY-MM-DD or a date-time YYYY-MM-DDTHH:MM[:SS][Z|±HH:MM], got "yesterday"',
      ],
      [
        ['--input', '10', '--output', '1', '--at', '2026-02-30'],
        '--at: "2026-02-30" is not a date: February 2026 has 28 days',
      ],
      [
        ['--input', '10', '--output', '1', '--at', '2026-01-01 junk'],
        '--at: expected a date YYYY-MM-DD or a date-time YYYY-MM-DDTHH:MM[:SS][Z|±HH:MM], got "2026-01-01 junk"',
      ],
      [
        ['--input', '10', '--output', '1', '--at', '2026-05-01T25:00'],
        '--at: "2026-05-01T25:00": hour 25 is not 00-23',
      ],
    ]
    for (const [flags, message] of cases) {
      const result = runCli([
        'cost',
        '--provider',
        'tokenhub',
        '--model',
        'deepseek-v4-flash',
        ...flags,
      ])
      expect(result.code, flags.join(' ')).toBe(1)
      expect(result.stderr, flags.join(' ')).toContain(message)
    }
    // A date-time without a zone is UTC, whatever the machine's zone.
    const local = runCli(
      [
        'cost',
        '--provider',
        'tokenhub',
        '--model',
        'deepseek-v4-flash',
        '--input',
        '1',
        '--output',
        '1',
        '--at',
        '2026-05-01 10:00',
      ],
      { TZ: 'America/New_York' },
    )
    expect(local.stdout).toContain('at 2026-05-01T10:00:00.000Z')
    const provider = runCli([
      'cost',
      '--provider',
      'nowhere',
      '--model',
      'x',
      '--input',
      '1',
      '--output',
      '1',
    ])
    expect(provider.code).toBe(1)
    expect(provider.stderr).toMatch(
      /--provider: unknown provider "nowhere"; known providers: .*deepseek.*openrouter/,
    )
  })

  it('prices OpenAI Batch at half the synchronous price', () => {
    const sync = JSON.parse(
      runCli([
        'cost',
        '--provider',
        'openai',
        '--model',
        'gpt-4o',
        '--input',
        '1000000',
        '--output',
        '1000000',
        '--at',
        '2026-05-01',
        '--json',
      ]).stdout,
    )
    const batch = JSON.parse(
      runCli([
        'cost',
        '--provider',
        'openai',
        '--model',
        'gpt-4o',
        '--input',
        '1000000',
        '--output',
        '1000000',
        '--at',
        '2026-05-01',
        '--batch',
        '--json',
      ]).stdout,
    )
    expect(picoFromUsd(sync.cost) > 0n).toBe(true)
    expect(batch.card.serviceTier).toBe('batch')
    expect(picoFromUsd(batch.cost) * 2n).toBe(picoFromUsd(sync.cost))
  })
})

describe('tokenledger cost --explain', () => {
  it('says which file, alias and card matched, and the window that applied', () => {
    const result = runCli([
      'cost',
      '--provider',
      'deepseek',
      '--model',
      'deepseek-chat',
      '--input',
      '1000000',
      '--output',
      '0',
      '--at',
      '2025-06-01T17:00',
      '--explain',
      '--json',
    ])
    expect(result.code).toBe(0)
    const json = JSON.parse(result.stdout)
    // Off-peak (UTC 16:30-00:30) before 2025-09-05: V3 input at 0.135 instead of 0.27.
    expect(json.cost).toBe('0.135')
    expect(json.explain).toEqual([
      expect.stringMatching(/^provider "deepseek" from pricing\/deepseek\.json( \+ |$)/),
      'model "deepseek-chat" matched by id',
      expect.stringMatching(
        /^card from 2025-02-26T16:30:00.000Z is the latest not after 2025-06-01T17:00:00.000Z \(\d+ later cards not yet in force\)$/,
      ),
      '2025-06-01T17:00:00.000Z is inside the "off-peak" window',
    ])
  })

  it('explains on stderr why a model cannot be priced', () => {
    const result = runCli([
      'cost',
      '--provider',
      'oxen',
      '--model',
      'deepseek-v4-pro',
      '--input',
      '1',
      '--output',
      '1',
      '--explain',
    ])
    expect(result.code).toBe(2)
    expect(result.stderr).toContain(
      'explain: the model has no rate card: its price is unknown, calls are recorded unpriced',
    )
    expect(result.stderr).toContain(
      'error: oxen/deepseek-v4-pro: cannot price: its price is unknown (no rate card)',
    )
  })
})

describe('tokenledger prices', () => {
  it('lists every provider serving a model, cheapest first, unknown prices last', () => {
    const result = runCli(['prices', 'deepseek-v4-flash', '--at', '2026-05-01', '--json'])
    expect(result.code).toBe(0)
    const rows = JSON.parse(result.stdout) as Array<{
      provider: string
      rates: { input: string; output: string } | null
    }>
    const providers = rows.map((row) => row.provider)
    expect(providers).toEqual(
      expect.arrayContaining(['deepseek', 'openrouter', 'tokenhub', 'oxen']),
    )
    // unknown prices last: Oxen.ai, and catalog-only providers whose first card is after 2026-05-01
    const unknown = rows.filter((row) => row.rates === null).map((row) => row.provider)
    expect(unknown).toContain('oxen')
    expect(providers.slice(-unknown.length)).toEqual(unknown)
    const blended = rows
      .filter((row) => row.rates)
      .map((row) => Number(row.rates!.input) + Number(row.rates!.output))
    expect(blended).toEqual([...blended].sort((a, b) => a - b))
    expect(rows.find((row) => row.provider === 'tokenhub')?.rates).toEqual({
      input: '0.15',
      output: '0.30',
      cacheRead: '0.003',
    })
  })

  it('accepts a provider alias and shows a table', () => {
    const result = runCli(['prices', 'deepseek/deepseek-v4-flash', '--at', '2026-05-01'])
    expect(result.code).toBe(0)
    expect(result.stdout).toMatch(/openrouter\s*│\s*deepseek\/deepseek-v4-flash\s*│\s*\$0.14/)
    expect(result.stdout).toMatch(/oxen .*price unknown/)
  })

  it('takes a price override file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tokenledger-cli-'))
    const file = join(dir, 'negotiated.json')
    writeFileSync(
      file,
      JSON.stringify({
        id: 'tokenhub',
        name: 'TokenHub',
        apiBaseUrls: [],
        usageStyle: 'openai',
        reportsCost: false,
        models: [
          {
            id: 'deepseek-v4-flash',
            cards: [
              {
                from: '2026-06-01T00:00:00Z',
                source: 'contract',
                checked: '2026-06-01',
                rates: { input: '0.1', output: '0.2', cacheRead: '0.002' },
              },
            ],
          },
        ],
      }),
    )
    const before = JSON.parse(
      runCli([
        'cost',
        '--provider',
        'tokenhub',
        '--model',
        'deepseek-v4-flash',
        '--input',
        '1000000',
        '--output',
        '1000000',
        '--at',
        '2026-05-01',
        '--json',
        '--prices',
        file,
      ]).stdout,
    )
    const after = JSON.parse(
      runCli(
        [
          'cost',
          '--provider',
          'tokenhub',
          '--model',
          'deepseek-v4-flash',
          '--input',
          '1000000',
          '--output',
          '1000000',
          '--at',
          '2026-07-01',
          '--json',
        ],
        { TOKENLEDGER_PRICES: file },
      ).stdout,
    )
    expect(before.cost).toBe('0.45')
    expect(after.cost).toBe('0.3')
    expect(after.card.source).toBe('contract')
  })

  it('exits 2 for an unknown model', () => {
    const result = runCli(['prices', 'gpt-17'])
    expect(result.code).toBe(2)
    expect(result.stderr).toContain('unknown model "gpt-17" for any provider')
  })
})
