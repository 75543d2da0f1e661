import { describe, expect, it } from 'vitest'
import { isTokenledgerError } from './errors.js'
import { PricingTable } from './pricing-table.js'
import type { ProviderData } from './schema.js'
import type { Usage } from './usage.js'
import { validateProvider } from './validate-provider.js'

// A provider made for these tests: every card shows one schema feature added for issue 10.
const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri'] as const
const provider: ProviderData = {
  id: 'acme',
  name: 'Acme',
  apiBaseUrls: ['https://api.acme.test/v1'],
  usageStyle: 'openai',
  reportsCost: false,
  models: [
    {
      id: 'acme-peak',
      cards: [
        {
          from: '2026-09-01T00:00:00Z',
          source: 'https://acme.test/pricing',
          checked: '2026-09-01',
          // off-peak is the card's rates; weekday peak hours at double; 2026-10-01 is a holiday.
          rates: { input: '0.14', output: '0.28', cacheRead: '0.0028' },
          tiers: [{ above: 128_000, rates: { input: '0.3', output: '0.6', cacheRead: '0.006' } }],
          windows: [
            {
              name: 'peak',
              timezone: 'Asia/Shanghai',
              start: '09:00',
              end: '12:00',
              days: [...WEEKDAYS],
              except: ['2026-10-01'],
              multiplier: '2',
            },
            {
              name: 'peak',
              timezone: 'Asia/Shanghai',
              start: '14:00',
              end: '18:00',
              days: [...WEEKDAYS],
              except: ['2026-10-01'],
              multiplier: '2',
            },
          ],
        },
      ],
    },
    {
      id: 'acme-night',
      cards: [
        {
          from: '2026-01-01T00:00:00Z',
          source: 'https://acme.test/pricing',
          checked: '2026-01-01',
          rates: { input: '1', output: '2' },
          tiers: [{ above: 100_000, rates: { input: '3', output: '4' } }],
          // explicit window rates win over the tier
          windows: [
            {
              name: 'night',
              timezone: 'UTC',
              start: '22:00',
              end: '02:00',
              rates: { input: '0.5', output: '1' },
            },
          ],
        },
      ],
    },
    {
      id: 'acme-audio',
      cards: [
        {
          from: '2026-01-01T00:00:00Z',
          source: 'https://acme.test/pricing',
          checked: '2026-01-01',
          rates: {
            input: '2.5',
            output: '10',
            audioInput: '40',
            audioOutput: '80',
            imageInput: '5',
            cacheRead: '1.25',
          },
          serviceTiers: { priority: { multiplier: '2' } },
          regions: { us: { multiplier: '1.1' }, eu: { rates: { input: '3', output: '12' } } },
        },
      ],
    },
    {
      id: 'acme-search',
      cards: [
        {
          from: '2026-01-01T00:00:00Z',
          source: 'https://acme.test/pricing',
          checked: '2026-01-01',
          rates: { input: '1', output: '1', request: '0.005' },
        },
      ],
    },
    {
      id: 'acme-text',
      cards: [
        {
          from: '2026-01-01T00:00:00Z',
          source: 'https://acme.test/pricing',
          checked: '2026-01-01',
          rates: { input: '2.5', output: '10' },
        },
      ],
    },
  ],
}
const table = new PricingTable([
  { data: validateProvider('acme.json', provider), files: ['acme.json'] },
])
const usage = (partial: Partial<Usage>): Usage => ({
  inputTokens: 0,
  cacheReadTokens: 0,
  cacheWriteTokens: 0,
  outputTokens: 0,
  reasoningTokens: 0,
  ...partial,
})
const million = usage({ inputTokens: 1_000_000, outputTokens: 1_000_000 })
const small = usage({ inputTokens: 100_000, outputTokens: 100_000 })
const price = (
  model: string,
  iso: string,
  u: Usage = million,
  extra: { region?: string; serviceTier?: 'priority' } = {},
) => table.price({ provider: 'acme', model, at: new Date(iso), usage: u, ...extra })

describe('time windows with weekdays and excluded dates', () => {
  // Beijing is UTC+8: peak 09:00-12:00 local = 01:00-04:00 UTC; 14:00-18:00 local = 06:00-10:00 UTC.
  it('doubles the rates in weekday peak hours, start inclusive and end exclusive', () => {
    // 2026-09-15 is a Tuesday. Off-peak 100k in + 100k out (below the 128k tier) = 0.014 + 0.028 = 0.042; peak 0.084.
    expect(price('acme-peak', '2026-09-15T00:59:59Z', small)?.total).toBe('0.042')
    expect(price('acme-peak', '2026-09-15T01:00:00Z', small)?.total).toBe('0.084')
    expect(price('acme-peak', '2026-09-15T01:00:00Z', small)?.card.window).toBe('peak')
    expect(price('acme-peak', '2026-09-15T03:59:59Z', small)?.total).toBe('0.084')
    expect(price('acme-peak', '2026-09-15T04:00:00Z', small)?.total).toBe('0.042')
    expect(price('acme-peak', '2026-09-15T06:00:00Z', small)?.total).toBe('0.084')
    expect(price('acme-peak', '2026-09-15T10:00:00Z', small)?.total).toBe('0.042')
  })

  it('leaves weekends and listed holidays off-peak', () => {
    // 2026-09-19 is a Saturday; 2026-10-01 is a Thursday listed in `except`; 2026-10-02 is not listed.
    expect(price('acme-peak', '2026-09-19T02:00:00Z', small)?.total).toBe('0.042')
    expect(price('acme-peak', '2026-10-01T02:00:00Z', small)?.total).toBe('0.042')
    expect(price('acme-peak', '2026-10-02T02:00:00Z', small)?.total).toBe('0.084')
  })

  it('reads the excluded date in the window zone, not in UTC', () => {
    // 2026-09-30T23:30Z is 2026-10-01 07:30 in Beijing: off-peak by the clock anyway;
    // 2026-10-01T01:30Z is 09:30 on the holiday: still off-peak; 2026-09-30T01:30Z is a normal Wednesday.
    expect(price('acme-peak', '2026-10-01T01:30:00Z', small)?.total).toBe('0.042')
    expect(price('acme-peak', '2026-09-30T01:30:00Z', small)?.total).toBe('0.084')
  })
})

describe('a window and a prompt-size tier on one card', () => {
  it('multiplies the tier rates when the window has a multiplier (both apply)', () => {
    // 200,000-token prompt at peak: tier 0.3 x 2 = 0.6 per 1M input -> 200,000 x 0.6 / 1M = 0.12
    const cost = price('acme-peak', '2026-09-15T02:00:00Z', usage({ inputTokens: 200_000 }))
    expect(cost?.total).toBe('0.12')
    expect(cost?.card).toMatchObject({ tier: 128_000, window: 'peak' })
  })

  it('uses the window rates when the window has explicit rates (the window wins)', () => {
    // 200,000 prompt tokens at 23:00 UTC: window input 0.5 -> 0.1, not the tier's 3 -> 0.6
    expect(
      price('acme-night', '2026-05-01T23:00:00Z', usage({ inputTokens: 200_000 }))?.total,
    ).toBe('0.1')
    expect(
      price('acme-night', '2026-05-01T12:00:00Z', usage({ inputTokens: 200_000 }))?.total,
    ).toBe('0.6')
  })
})

describe('per-modality token rates', () => {
  it('prices audio and image input and audio output at their own rates', () => {
    // 10,000 input = 1,000 cached + 6,000 audio + 1,000 image + 2,000 text; 5,000 output = 2,000 audio + 3,000 text
    // 2,000 x 2.5 + 1,000 x 1.25 + 6,000 x 40 + 1,000 x 5 = 5,000 + 1,250 + 240,000 + 5,000 = 251,250 (x 1e-6)
    // 3,000 x 10 + 2,000 x 80 = 30,000 + 160,000 = 190,000 (x 1e-6); total 0.44125
    const cost = price(
      'acme-audio',
      '2026-05-01',
      usage({
        inputTokens: 10_000,
        cacheReadTokens: 1_000,
        audioInputTokens: 6_000,
        imageInputTokens: 1_000,
        outputTokens: 5_000,
        audioOutputTokens: 2_000,
      }),
    )
    expect(cost?.breakdown).toEqual({
      input: '0.25',
      cacheRead: '0.00125',
      cacheWrite: '0',
      output: '0.19',
    })
    expect(cost?.total).toBe('0.44125')
    expect(cost?.fallbacks).toEqual([])
  })

  it('falls back to the text rates, and says so, when the card has no modality rate', () => {
    // 1,000 audio input at 2.5 + 1,000 audio output at 10 = 0.0025 + 0.01
    const cost = price(
      'acme-text',
      '2026-05-01',
      usage({
        inputTokens: 1_000,
        audioInputTokens: 1_000,
        outputTokens: 1_000,
        audioOutputTokens: 1_000,
      }),
    )
    expect(cost?.total).toBe('0.0125')
    expect(cost?.fallbacks).toEqual(['audioInput', 'audioOutput'])
  })

  it('rejects modality counts that exceed their totals', () => {
    expect(() =>
      price(
        'acme-audio',
        '2026-05-01',
        usage({ inputTokens: 10, cacheReadTokens: 5, audioInputTokens: 6 }),
      ),
    ).toThrow(/exceed inputTokens/)
    expect(() =>
      price(
        'acme-audio',
        '2026-05-01',
        usage({ outputTokens: 10, reasoningTokens: 5, audioOutputTokens: 6 }),
      ),
    ).toThrow(/exceed outputTokens/)
  })
})

describe('priority tier, regions and per-request fees', () => {
  it('applies the priority multiplier', () => {
    // 1M in + 1M out: (2.5 + 10) x 2 = 25
    expect(price('acme-audio', '2026-05-01', million, { serviceTier: 'priority' })?.total).toBe(
      '25',
    )
  })

  it('applies a regional multiplier or regional rates; an unlisted region pays the card rates', () => {
    // us: (2.5 + 10) x 1.1 = 13.75; eu: 3 + 12 = 15; global / unlisted: 12.5
    expect(price('acme-audio', '2026-05-01', million, { region: 'us' })?.total).toBe('13.75')
    expect(price('acme-audio', '2026-05-01', million, { region: 'us' })?.card.id).toBe(
      'acme/acme-audio@2026-01-01T00:00:00.000Z+region:us',
    )
    expect(price('acme-audio', '2026-05-01', million, { region: 'eu' })?.total).toBe('15')
    expect(price('acme-audio', '2026-05-01', million, { region: 'ap-south-1' })?.total).toBe('12.5')
    // priority then region: 12.5 x 2 x 1.1 = 27.5
    expect(
      price('acme-audio', '2026-05-01', million, { region: 'us', serviceTier: 'priority' })?.total,
    ).toBe('27.5')
  })

  it('adds the per-request fee once per call', () => {
    // 1,000 in x 1 + 1,000 out x 1 = 0.002, plus 0.005 per request = 0.007
    const cost = price(
      'acme-search',
      '2026-05-01',
      usage({ inputTokens: 1_000, outputTokens: 1_000 }),
    )
    expect(cost?.total).toBe('0.007')
    expect(cost?.breakdown.request).toBe('0.005')
  })
})

describe('validation of the new fields', () => {
  const withCard = (card: object) => ({
    ...provider,
    models: [
      {
        id: 'm',
        cards: [
          {
            from: '2026-01-01',
            source: 'https://x.test',
            checked: '2026-01-01',
            rates: { input: '1', output: '1' },
            ...card,
          },
        ],
      },
    ],
  })
  const problem = (card: object) => {
    try {
      validateProvider('acme.json', withCard(card))
      return null
    } catch (error) {
      expect(isTokenledgerError(error, 'PRICING_INVALID')).toBe(true)
      return (error as Error).message
    }
  }

  it('names the place of an impossible holiday date', () => {
    expect(
      problem({
        windows: [
          {
            name: 'peak',
            timezone: 'UTC',
            start: '09:00',
            end: '10:00',
            except: ['2026-02-30'],
            multiplier: '2',
          },
        ],
      }),
    ).toBe(
      'acme.json: models[0] (m).cards[0].windows[0].except[0]: "2026-02-30" is not a date: February 2026 has 28 days',
    )
  })

  it('wants exactly one of rates and multiplier on a window', () => {
    expect(
      problem({ windows: [{ name: 'peak', timezone: 'UTC', start: '09:00', end: '10:00' }] }),
    ).toMatch(/windows\[0\]: a window has either `rates` or `multiplier`/)
  })

  it('refuses a regional multiplier that would need rounding', () => {
    expect(
      problem({
        rates: { input: '0.000001', output: '1' },
        regions: { us: { multiplier: '1.1' } },
      }),
    ).toMatch(
      /cards\[0\]\.regions\.us\.multiplier: input 0\.000001 x 1\.1 has more than 6 decimal places/,
    )
  })
})
