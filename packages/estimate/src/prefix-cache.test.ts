import { describe, expect, it } from 'vitest'
import { cachedTokens, cachingPolicy, PREFIX_RULES, PrefixTracker } from './prefix-cache.js'

describe('prefix caching', () => {
  it('rounds cached prefixes the way each provider does', () => {
    expect(cachedTokens(PREFIX_RULES.openai, 1023)).toBe(0)
    expect(cachedTokens(PREFIX_RULES.openai, 1024)).toBe(1024)
    expect(cachedTokens(PREFIX_RULES.openai, 1500)).toBe(1408)
    expect(cachedTokens(PREFIX_RULES.deepseek, 63)).toBe(0)
    expect(cachedTokens(PREFIX_RULES.deepseek, 200)).toBe(192)
    expect(cachedTokens(PREFIX_RULES.gemini, 1500)).toBe(1500)
  })

  it('estimates only where caching is automatic and priced', () => {
    const rates = { input: '1', output: '2', cacheRead: '0.1' }
    expect(cachingPolicy('openai', rates).kind).toBe('automatic')
    expect(cachingPolicy('deepseek', rates).kind).toBe('automatic')
    expect(cachingPolicy('claude', rates).kind).toBe('explicit')
    expect(cachingPolicy('qwen', rates).kind).toBe('unknown')
    expect(cachingPolicy('openai', { input: '1', output: '2' }).kind).toBe('none')
  })

  it('finds the longest prefix an earlier request shared, and forgets the oldest first', () => {
    const tracker = new PrefixTracker(3)
    expect(tracker.observe(['sys', 'sys+q1'], [100, 120])).toBe(0) // the first request writes
    expect(tracker.observe(['sys', 'sys+q2'], [100, 130])).toBe(100)
    expect(tracker.observe(['sys', 'sys+q1'], [100, 120])).toBe(120) // an exact repeat
    tracker.observe(['a'], [1])
    tracker.observe(['b'], [1])
    tracker.observe(['c'], [1]) // capacity 3: sys and its prefixes are gone
    expect(tracker.observe(['sys'], [100])).toBe(0)
  })
})
