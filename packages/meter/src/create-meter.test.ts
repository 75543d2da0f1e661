import { isTokenledgerError } from '@tokenledger/pricing'
import { describe, expect, it } from 'vitest'
import { createMeter, type MeterOptions } from './create-meter.js'

function rejects(options: unknown): string {
  try {
    createMeter(options as MeterOptions)
  } catch (error) {
    expect(isTokenledgerError(error)).toBe(true)
    return (error as Error).message
  }
  throw new Error('createMeter accepted bad options')
}

describe('createMeter options are checked at construction', () => {
  it('rejects bad options naming the option and what was expected', () => {
    expect(rejects({ store: 42 })).toMatch(/^createMeter\(\{ store \}\): expected a LedgerStore/)
    expect(rejects({ store: '  ' })).toMatch(/empty store URL/)
    // An input error at once, never a ledger that looks unavailable and is retried for ever.
    expect(rejects({ store: 'mysql://db/ledger' })).toMatch(/unknown scheme "mysql"/)
    expect(rejects({ maxQueueBytes: 0 })).toMatch(/maxQueueBytes/)
    expect(rejects({ onError: 'log' })).toBe(
      'createMeter({ onError }): expected a function, got string',
    )
    expect(rejects({ tags: { team: 7 } })).toBe(
      'createMeter({ tags }).team: expected a string of at most 1024 characters, got number',
    )
    expect(rejects({ tags: ['a'] })).toMatch(/expected an object of string values, got an array/)
    expect(rejects({ maxQueue: 0 })).toBe(
      'createMeter({ maxQueue }): expected an integer >= 1, got 0',
    )
    expect(rejects({ flushIntervalMs: 1.5 })).toMatch(/flushIntervalMs/)
    expect(rejects({ provider: 'nope' })).toMatch(
      /^createMeter\(\{ provider \}\): unknown provider "nope"/,
    )
    expect(rejects({ prices: {} })).toMatch(/expected a PricingTable/)
    expect(rejects({ flushOnExit: 'yes' })).toMatch(/flushOnExit/)
  })

  it('rejects a client that cannot be wrapped, and bad wrap options', async () => {
    const meter = createMeter({ store: ':memory:', flushOnExit: false })
    expect(() => meter.wrap({} as never)).toThrow(
      /expected an openai \(v5 or later\) or @anthropic-ai\/sdk client/,
    )
    const client = { baseURL: 'https://api.deepseek.com', withOptions: () => client }
    expect(() => meter.wrap(client, { provider: 'deep-seek' })).toThrow(
      /unknown provider "deep-seek"/,
    )
    expect(() => meter.wrap(client, { tags: { '': 'x' } })).toThrow(
      /tag key "": expected 1 to 128 characters/,
    )
    expect(() => meter.withTags({ a: null as never })).toThrow(/meter\.withTags\(tags\)\.a/)
    await meter.close()
  })

  it("wraps through withOptions, keeping the client's own fetch underneath", async () => {
    const meter = createMeter({ store: ':memory:', flushOnExit: false })
    const calls: string[] = []
    const ownFetch = async (input: string | URL | Request) => {
      calls.push(String(input))
      return new Response('{}', { headers: { 'content-type': 'application/json' } })
    }
    let given:
      ((input: string | URL | Request, init?: RequestInit) => Promise<Response>) | undefined
    const client = {
      baseURL: 'https://api.deepseek.com',
      fetch: ownFetch,
      withOptions(options: { fetch: typeof ownFetch }) {
        given = options.fetch
        return client
      },
    }
    meter.wrap(client)
    await given!('https://api.deepseek.com/models')
    expect(calls).toEqual(['https://api.deepseek.com/models'])
    // Wrapping a wrapped client's fetch again does not meter twice: it unwraps to the same base.
    await meter.close()
  })
})
