import { defaultPricingTable, isTokenledgerError } from '@tokenledger/pricing'
import { describe, expect, it } from 'vitest'
import { explicitProvider, ProviderDetector } from './provider-detect.js'

const table = defaultPricingTable()

describe('provider detection', () => {
  it('detects known providers from their base URLs', () => {
    const detector = new ProviderDetector(table)
    expect(detector.detect('https://api.deepseek.com')).toEqual({ id: 'deepseek', style: 'deepseek', known: true })
    expect(detector.detect('https://api.deepseek.com/v1')).toMatchObject({ id: 'deepseek' })
    expect(detector.detect('https://openrouter.ai/api/v1')).toEqual({ id: 'openrouter', style: 'openrouter', known: true })
    expect(detector.detect('https://api.anthropic.com/v1')).toMatchObject({ id: 'anthropic', style: 'anthropic' })
  })

  it('records an unknown host under its host name, unpriced, and never guesses', () => {
    expect(new ProviderDetector(table).detect('http://127.0.0.1:8080/v1')).toEqual({ id: '127.0.0.1:8080', style: undefined, known: false })
  })

  it('accepts a known explicit provider and rejects an unknown one, listing the known ids', () => {
    expect(explicitProvider(table, 'tokenhub', 'meter.wrap')).toMatchObject({ id: 'tokenhub', known: true })
    let error: unknown
    try {
      explicitProvider(table, 'deepseak', 'meter.wrap(client, { provider })')
    } catch (thrown) {
      error = thrown
    }
    expect(isTokenledgerError(error, 'PRICING_LOOKUP')).toBe(true)
    expect((error as Error).message).toMatch(/^meter\.wrap\(client, \{ provider \}\): unknown provider "deepseak"; expected one of .*deepseek.*openrouter/)
  })
})
