import { describe, expect, it } from 'vitest'
import { fixtureJson } from './__fixtures__/read-fixture.js'
import { normaliseAnthropicUsage } from './anthropic.js'

describe('normaliseAnthropicUsage', () => {
  it('adds cache reads and writes to input_tokens, which excludes them', () => {
    const usage = normaliseAnthropicUsage(fixtureJson('anthropic-message.json')['usage'])
    // 150 fresh + 2048 written + 8192 read = 10390; taking input_tokens alone would bill 150.
    expect(usage).toEqual({
      inputTokens: 10390,
      cacheReadTokens: 8192,
      cacheWriteTokens: 2048,
      cacheWrite1hTokens: 1024,
      outputTokens: 310,
      reasoningTokens: 0,
      provenance: {
        inputTokens: 'derived',
        cacheReadTokens: 'reported',
        cacheWriteTokens: 'reported',
        outputTokens: 'reported',
        reasoningTokens: 'missing',
      },
    })
  })

  it('derives the cache-write total from the TTL split when only the split is given', () => {
    const usage = normaliseAnthropicUsage({
      input_tokens: 10,
      output_tokens: 1,
      cache_creation: { ephemeral_5m_input_tokens: 300, ephemeral_1h_input_tokens: 200 },
    })
    expect(usage).toMatchObject({
      inputTokens: 510,
      cacheWriteTokens: 500,
      cacheWrite1hTokens: 200,
      cacheReadTokens: 0,
    })
    expect(usage.provenance.cacheWriteTokens).toBe('derived')
    expect(usage.provenance.cacheReadTokens).toBe('missing')
  })

  it('reports input_tokens as such when no cache field is present', () => {
    const usage = normaliseAnthropicUsage({ input_tokens: 25, output_tokens: 9 })
    expect(usage.inputTokens).toBe(25)
    expect(usage.provenance.inputTokens).toBe('reported')
  })

  it('flags a missing input as missing instead of inventing it', () => {
    const usage = normaliseAnthropicUsage({ output_tokens: 9 })
    expect(usage.inputTokens).toBe(0)
    expect(usage.provenance.inputTokens).toBe('missing')
  })
})
