import { defaultPricingTable, isTokenledgerError } from '@tokenledger/pricing'
import { describe, expect, it } from 'vitest'
import { explicitProvider, ProviderDetector } from './provider-detect.js'

const table = defaultPricingTable()

describe('provider detection', () => {
  it('detects known providers from their base URLs', () => {
    const detector = new ProviderDetector(table)
    expect(detector.detect('https://api.deepseek.com')).toEqual({
      id: 'deepseek',
      style: 'deepseek',
      known: true,
    })
    expect(detector.detect('https://api.deepseek.com/v1')).toMatchObject({ id: 'deepseek' })
    expect(detector.detect('https://openrouter.ai/api/v1')).toEqual({
      id: 'openrouter',
      style: 'openrouter',
      known: true,
    })
    expect(detector.detect('https://api.anthropic.com/v1')).toMatchObject({
      id: 'anthropic',
      style: 'anthropic',
    })
  })

  it('records an unknown host under its host name, unpriced, and never guesses', () => {
    expect(new ProviderDetector(table).detect('http://127.0.0.1:8080/v1')).toEqual({
      id: '127.0.0.1:8080',
      style: undefined,
      known: false,
    })
  })

  it('accepts a known explicit provider and rejects an unknown one, listing the known ids', () => {
    expect(explicitProvider(table, 'tokenhub', 'meter.wrap')).toMatchObject({
      id: 'tokenhub',
      known: true,
    })
    let error: unknown
    try {
      explicitProvider(table, 'deepseak', 'meter.wrap(client, { provider })')
    } catch (thrown) {
      error = thrown
    }
    expect(isTokenledgerError(error, 'PRICING_LOOKUP')).toBe(true)
    expect((error as Error).message).toMatch(
      /^meter\.wrap\(client, \{ provider \}\): unknown provider "deepseak"; expected one of .*deepseek.*openrouter/,
    )
  })

  it('tells about an unknown host once, whatever its base paths, and never about a known one', () => {
    const told: string[] = []
    const detector = new ProviderDetector(table, (error) =>
      told.push(`${error.code}: ${error.message.slice(0, 36)}`),
    )
    detector.detect('http://127.0.0.1:8080/v1')
    detector.detect('http://127.0.0.1:8080/v2')
    detector.detect('http://127.0.0.1:8080/v1')
    detector.detect('https://api.deepseek.com')
    expect(told).toEqual(['PROVIDER_UNKNOWN: http://127.0.0.1:8080/v1: no provide'])
  })

  it("knows a provider's own API from a gateway serving its models", () => {
    const detector = new ProviderDetector(table)
    expect(detector.isOwnApi('https://api.deepseek.com/v1', 'deepseek')).toBe(true)
    expect(detector.isOwnApi('http://127.0.0.1:8080/v1', 'deepseek')).toBe(false)
    expect(detector.isOwnApi('https://openrouter.ai/api/v1', 'deepseek')).toBe(false)
  })
})
