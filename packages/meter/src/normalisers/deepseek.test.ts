import { describe, expect, it } from 'vitest'
import { fixtureJson, fixtureSseData } from './__fixtures__/read-fixture.js'
import { normaliseDeepSeekUsage } from './deepseek.js'

describe('normaliseDeepSeekUsage', () => {
  it('takes the cache hit once, not hit + cached_tokens', () => {
    const usage = normaliseDeepSeekUsage(fixtureJson('deepseek-chat-cache-hit.json')['usage'])
    // hit 1280 + miss 256 = prompt 1536; cached_tokens repeats the hit and must not be added.
    expect(usage).toEqual({
      inputTokens: 1536,
      cacheReadTokens: 1280,
      cacheWriteTokens: 0,
      outputTokens: 120,
      reasoningTokens: 0,
      provenance: {
        inputTokens: 'reported',
        cacheReadTokens: 'reported',
        cacheWriteTokens: 'missing',
        outputTokens: 'reported',
        reasoningTokens: 'missing',
      },
    })
  })

  it('reads thinking-mode reasoning tokens as part of the output', () => {
    const usage = normaliseDeepSeekUsage(fixtureJson('deepseek-reasoning.json')['usage'])
    expect(usage).toMatchObject({
      inputTokens: 18,
      cacheReadTokens: 0,
      outputTokens: 345,
      reasoningTokens: 315,
    })
    expect(usage.provenance.reasoningTokens).toBe('reported')
  })

  it('reads the usage that rides on the last streamed chunk with a choice', () => {
    const chunks = fixtureSseData('deepseek-stream-reasoning.sse')
    const withUsage = chunks.filter((chunk) => chunk['usage'])
    expect(withUsage).toHaveLength(1)
    const last = withUsage[0]!
    expect((last['choices'] as unknown[]).length).toBe(1)
    expect(normaliseDeepSeekUsage(last['usage'])).toMatchObject({
      inputTokens: 24,
      cacheReadTokens: 0,
      outputTokens: 60,
      reasoningTokens: 41,
    })
  })

  it('derives the prompt from hit + miss when prompt_tokens is absent', () => {
    const usage = normaliseDeepSeekUsage({
      completion_tokens: 7,
      prompt_cache_hit_tokens: 64,
      prompt_cache_miss_tokens: 36,
    })
    expect(usage).toMatchObject({ inputTokens: 100, cacheReadTokens: 64, outputTokens: 7 })
    expect(usage.provenance.inputTokens).toBe('derived')
    expect(usage.provenance.cacheReadTokens).toBe('reported')
  })

  it('falls back to cached_tokens when the DeepSeek split is absent', () => {
    const usage = normaliseDeepSeekUsage({
      prompt_tokens: 50,
      completion_tokens: 1,
      prompt_tokens_details: { cached_tokens: 32 },
    })
    expect(usage.cacheReadTokens).toBe(32)
  })
})
