import type { ProviderData } from '../schema.js'

/**
 * A synthetic provider for unit tests: every variant the engine supports, with round numbers so the
 * hand computations in the tests are easy to check. Not real prices.
 */
export function testProvider(): ProviderData {
  return {
    id: 'acme',
    name: 'Acme AI (test fixture)',
    apiBaseUrls: ['https://api.acme.test/v1'],
    usageStyle: 'openai',
    reportsCost: false,
    models: [
      {
        id: 'acme-chat',
        aliases: ['acme/acme-chat', 'acme-chat-2026-01-01'],
        cards: [
          // Listed out of order on purpose: the engine sorts by `from`.
          {
            from: '2026-03-01T12:00:00Z',
            source: 'test',
            checked: '2026-03-01',
            rates: { input: '0.5', output: '1.5', cacheRead: '0.05' },
          },
          {
            from: '2026-01-01T00:00:00Z',
            source: 'test',
            checked: '2026-01-01',
            rates: {
              input: '1',
              output: '2',
              cacheRead: '0.1',
              cacheWrite5m: '1.25',
              cacheWrite1h: '2',
            },
            windows: [
              {
                name: 'off-peak',
                timezone: 'UTC',
                start: '16:30',
                end: '00:30',
                rates: { input: '0.5', output: '1', cacheRead: '0.05' },
              },
            ],
            serviceTiers: { batch: { multiplier: '0.5' } },
          },
        ],
      },
      {
        id: 'acme-pro',
        cards: [
          {
            from: '2026-01-01T00:00:00Z',
            source: 'test',
            checked: '2026-01-01',
            rates: { input: '1.25', output: '10', cacheRead: '0.31' },
            tiers: [{ above: 200000, rates: { input: '2.5', output: '15', cacheRead: '0.625' } }],
          },
        ],
      },
      {
        id: 'acme-think',
        reasoning: true,
        cards: [
          {
            from: '2026-01-01T00:00:00Z',
            source: 'test',
            checked: '2026-01-01',
            rates: { input: '1', output: '4', reasoning: '3' },
          },
        ],
      },
      {
        id: 'acme-weekday',
        cards: [
          {
            from: '2026-01-01T00:00:00Z',
            source: 'test',
            checked: '2026-01-01',
            rates: { input: '2', output: '8' },
            windows: [
              {
                name: 'beijing-peak',
                timezone: 'Asia/Shanghai',
                start: '09:00',
                end: '12:00',
                days: ['mon', 'tue', 'wed', 'thu', 'fri'],
                rates: { input: '4', output: '16' },
              },
            ],
          },
        ],
      },
      { id: 'acme-secret', cards: [] },
    ],
  }
}
