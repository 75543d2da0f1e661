import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { testProvider } from './__fixtures__/test-provider.js'
import { loadPricingTable } from './load-table.js'
import { validateProvider } from './validate-provider.js'

const dir = mkdtempSync(join(tmpdir(), 'tokenledger-prices-'))
function writeJson(name: string, value: unknown): string {
  const path = join(dir, name)
  writeFileSync(path, typeof value === 'string' ? value : JSON.stringify(value))
  return path
}
const million = {
  inputTokens: 1_000_000,
  cacheReadTokens: 0,
  cacheWriteTokens: 0,
  outputTokens: 1_000_000,
  reasoningTokens: 0,
}

describe('overrides', () => {
  it('adds a provider and merges cards over a known model, a same-date card replacing the old one', () => {
    const base = writeJson('base.json', testProvider())
    const negotiated = writeJson('negotiated.json', {
      ...testProvider(),
      name: 'Acme AI (negotiated)',
      models: [
        {
          id: 'acme-chat',
          cards: [
            {
              from: '2026-03-01T12:00:00Z',
              source: 'contract',
              checked: '2026-03-01',
              rates: { input: '0.4', output: '1.2' },
            },
            {
              from: '2026-06-01T00:00:00Z',
              source: 'contract',
              checked: '2026-06-01',
              rates: { input: '0.3', output: '0.9' },
            },
          ],
        },
        {
          id: 'acme-new',
          cards: [
            {
              from: '2026-01-01T00:00:00Z',
              source: 'contract',
              checked: '2026-01-01',
              rates: { input: '9', output: '9' },
            },
          ],
        },
      ],
    })
    const table = loadPricingTable({ bundled: false, env: {}, overrides: [base, negotiated] })
    expect(table.provider('acme')?.name).toBe('Acme AI (negotiated)')
    expect(table.origin('acme')?.files).toEqual([base, negotiated])
    const at = (iso: string) => new Date(iso)
    // History kept: the January card still prices February.
    expect(
      table.price({
        provider: 'acme',
        model: 'acme-chat',
        at: at('2026-02-01T12:00:00Z'),
        usage: million,
      })?.total,
    ).toBe('3')
    // The same-date card was replaced (0.4 + 1.2), and a later one added (0.3 + 0.9).
    expect(
      table.price({ provider: 'acme', model: 'acme-chat', at: at('2026-04-01'), usage: million })
        ?.total,
    ).toBe('1.6')
    expect(
      table.price({ provider: 'acme', model: 'acme-chat', at: at('2026-07-01'), usage: million })
        ?.total,
    ).toBe('1.2')
    // Aliases survive the merge; new models are added.
    expect(table.resolveModel('acme', 'acme/acme-chat')?.model.id).toBe('acme-chat')
    expect(
      table.price({ provider: 'acme', model: 'acme-new', at: at('2026-07-01'), usage: million })
        ?.total,
    ).toBe('18')
  })

  it('reads TOKENLEDGER_PRICES, and files holding several providers', () => {
    const several = writeJson('several.json', {
      providers: [testProvider(), { ...testProvider(), id: 'acme-eu', apiBaseUrls: [] }],
    })
    const table = loadPricingTable({ bundled: false, env: { TOKENLEDGER_PRICES: several } })
    expect(table.providers().map((p) => p.id)).toEqual(['acme', 'acme-eu'])
  })

  it('names the override file that cannot be read', () => {
    expect(() =>
      loadPricingTable({ bundled: false, env: {}, overrides: [join(dir, 'missing.json')] }),
    ).toThrow(`${join(dir, 'missing.json')}: cannot read the price override: file not found`)
    const broken = writeJson('broken.json', '{ "id": ')
    expect(() => loadPricingTable({ bundled: false, env: {}, overrides: [broken] })).toThrow(
      /broken\.json: cannot read the price override: /,
    )
  })
})

describe('validation errors name the file, the model and the field', () => {
  const broken = (mutate: (data: ReturnType<typeof testProvider>) => void) => {
    const data = testProvider()
    mutate(data)
    return () => validateProvider('pricing/acme.json', data)
  }

  it('rejects a rate given as a number', () => {
    expect(
      broken((data) => {
        ;(data.models[1]!.cards[0]!.rates as { input: unknown }).input = 0.27
      }),
    ).toThrow(
      'pricing/acme.json: models[1] (acme-pro).cards[0].rates.input: expected a decimal string, got 0.27',
    )
  })

  it('rejects rates with too many decimals, negative rates and unknown fields', () => {
    expect(
      broken((data) => {
        data.models[0]!.cards[0]!.rates.output = '0.0000001'
      }),
    ).toThrow(
      'pricing/acme.json: models[0] (acme-chat).cards[0].rates.output: at most 6 decimal places (rates are exact to 1e-6 USD per 1M tokens)',
    )
    expect(
      broken((data) => {
        data.models[0]!.cards[0]!.rates.output = '-1'
      }),
    ).toThrow(
      'pricing/acme.json: models[0] (acme-chat).cards[0].rates.output: expected a non-negative decimal string, got "-1"',
    )
    expect(
      broken((data) => {
        ;(data.models[0]!.cards[0]! as Record<string, unknown>).price = '1'
      }),
    ).toThrow(
      /pricing\/acme\.json: models\[0\] \(acme-chat\)\.cards\[0\]: Unrecognized key: "price"/,
    )
  })

  it('rejects bad dates, zones and clocks', () => {
    expect(
      broken((data) => {
        data.models[0]!.cards[0]!.from = '1 March'
      }),
    ).toThrow(
      'pricing/acme.json: models[0] (acme-chat).cards[0].from: expected an ISO date or date-time with a zone (e.g. 2026-04-24T00:00:00Z)',
    )
    expect(
      broken((data) => {
        data.models[0]!.cards[1]!.windows![0]!.timezone = 'Mars/Olympus'
      }),
    ).toThrow(
      'pricing/acme.json: models[0] (acme-chat).cards[1].windows[0].timezone: expected an IANA time zone such as UTC or Asia/Shanghai',
    )
    expect(
      broken((data) => {
        data.models[0]!.cards[1]!.windows![0]!.end = '24:00'
      }),
    ).toThrow(
      'pricing/acme.json: models[0] (acme-chat).cards[1].windows[0].end: expected a time HH:MM (00:00-23:59)',
    )
  })

  it('rejects duplicate aliases, duplicate card dates and inexact multipliers', () => {
    expect(
      broken((data) => {
        data.models[1]!.aliases = ['acme/acme-chat']
      }),
    ).toThrow(
      'pricing/acme.json: models[1] (acme-pro): id or alias "acme/acme-chat" is already used by model acme-chat',
    )
    expect(
      broken((data) => {
        data.models[0]!.cards[0]!.from = '2026-01-01T00:00:00Z'
      }),
    ).toThrow(
      'pricing/acme.json: models[0] (acme-chat).cards[1].from: another card of this model starts at 2026-01-01T00:00:00Z',
    )
    expect(
      broken((data) => {
        data.models[0]!.cards[1]!.serviceTiers = { batch: { multiplier: '0.3' } }
        data.models[0]!.cards[1]!.rates.cacheRead = '0.000005'
      }),
    ).toThrow(
      'pricing/acme.json: models[0] (acme-chat).cards[1].serviceTiers.batch.multiplier: cacheRead 0.000005 x 0.3 has more than 6 decimal places; give explicit service-tier rates instead',
    )
  })

  it('rejects an unknown usage style, listing the allowed ones', () => {
    expect(
      broken((data) => {
        ;(data as { usageStyle: string }).usageStyle = 'cohere'
      }),
    ).toThrow(
      /pricing\/acme\.json: usageStyle: .*"openai"\|"deepseek"\|"openrouter"\|"anthropic"\|"gemini"/,
    )
  })
})

describe('card dates are read strictly', () => {
  const broken = (mutate: (data: ReturnType<typeof testProvider>) => void) => {
    const data = testProvider()
    mutate(data)
    return () => validateProvider('pricing/acme.json', data)
  }

  it('rejects a card from or checked date that does not exist', () => {
    expect(
      broken((data) => {
        data.models[0]!.cards[0]!.from = '2026-02-30'
      }),
    ).toThrow(
      'pricing/acme.json: models[0] (acme-chat).cards[0].from: "2026-02-30" is not a date: February 2026 has 28 days',
    )
    expect(
      broken((data) => {
        data.models[0]!.cards[0]!.from = '2026-01-01T24:00:00Z'
      }),
    ).toThrow(
      'pricing/acme.json: models[0] (acme-chat).cards[0].from: "2026-01-01T24:00:00Z": hour 24 is not 00-23',
    )
    expect(
      broken((data) => {
        data.models[0]!.cards[0]!.checked = '2026-04-31'
      }),
    ).toThrow(
      'pricing/acme.json: models[0] (acme-chat).cards[0].checked: "2026-04-31" is not a date: April 2026 has 30 days',
    )
  })
})

describe('override files: a byte-order mark, and rates out of bounds (issue 9 minor)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tokenledger-bom-'))

  it('accepts a UTF-8 file that starts with a byte-order mark', () => {
    const file = join(dir, 'bom.json')
    writeFileSync(file, `\uFEFF${JSON.stringify(testProvider())}`, 'utf8')
    const table = loadPricingTable({ bundled: false, env: {}, overrides: [file] })
    expect(table.provider('acme')).toBeDefined()
  })

  it('rejects a rate above 10000 USD per 1M tokens, naming the field', () => {
    const file = join(dir, 'huge.json')
    const data = testProvider()
    data.models[0]!.cards[0]!.rates.input = '1234567890123456789012345678901'
    writeFileSync(file, JSON.stringify(data), 'utf8')
    expect(() => loadPricingTable({ bundled: false, env: {}, overrides: [file] })).toThrow(
      /huge\.json: models\[0\] \(acme-chat\)\.cards\[0\]\.rates\.input: 1234567890123456789012345678901 is above 10000 USD per 1M tokens/,
    )
    data.models[0]!.cards[0]!.rates.input = '10000'
    writeFileSync(file, JSON.stringify(data), 'utf8')
    expect(() => loadPricingTable({ bundled: false, env: {}, overrides: [file] })).not.toThrow()
    data.models[0]!.cards[0]!.rates.input = '10000.000001'
    writeFileSync(file, JSON.stringify(data), 'utf8')
    expect(() => loadPricingTable({ bundled: false, env: {}, overrides: [file] })).toThrow(
      /is above 10000 USD/,
    )
  })
})
