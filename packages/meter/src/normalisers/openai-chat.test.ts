import { describe, expect, it } from 'vitest'
import { fixtureJson, fixtureSseData } from './__fixtures__/read-fixture.js'
import { normaliseOpenAiUsage } from './openai-chat.js'

describe('normaliseOpenAiUsage', () => {
  it('keeps cached tokens inside prompt_tokens (never adds them again)', () => {
    const body = fixtureJson('openai-chat-cached.json')
    const usage = normaliseOpenAiUsage(body['usage'])
    // prompt_tokens 2006 already includes the 1920 cached: adding them would give 3926.
    expect(usage).toEqual({
      inputTokens: 2006,
      cacheReadTokens: 1920,
      cacheWriteTokens: 0,
      outputTokens: 300,
      reasoningTokens: 0,
      provenance: {
        inputTokens: 'reported',
        cacheReadTokens: 'reported',
        cacheWriteTokens: 'missing',
        outputTokens: 'reported',
        reasoningTokens: 'reported',
      },
    })
  })

  it('keeps reasoning tokens inside completion_tokens', () => {
    const usage = normaliseOpenAiUsage(fixtureJson('openai-chat-reasoning.json')['usage'])
    expect(usage.outputTokens).toBe(1186)
    expect(usage.reasoningTokens).toBe(1152)
    expect(usage.inputTokens).toBe(74)
  })

  it('reads the Responses API shape', () => {
    const usage = normaliseOpenAiUsage(fixtureJson('openai-responses.json')['usage'])
    expect(usage).toMatchObject({
      inputTokens: 5120,
      cacheReadTokens: 4096,
      outputTokens: 96,
      reasoningTokens: 0,
    })
    expect(usage.provenance.inputTokens).toBe('reported')
    expect(usage.provenance.cacheReadTokens).toBe('reported')
  })

  it('reads the usage chunk of a stream (the one with choices: [])', () => {
    const chunks = fixtureSseData('openai-stream-usage.sse')
    const last = chunks.at(-1)!
    expect(last['choices']).toEqual([])
    expect(chunks.slice(0, -1).every((chunk) => chunk['usage'] === null)).toBe(true)
    expect(normaliseOpenAiUsage(last['usage'])).toMatchObject({
      inputTokens: 1350,
      cacheReadTokens: 1280,
      outputTokens: 5,
    })
  })

  it('flags absent details as missing, with zeros that keep the totals right', () => {
    const usage = normaliseOpenAiUsage({
      prompt_tokens: 10,
      completion_tokens: 3,
      total_tokens: 13,
    })
    expect(usage).toMatchObject({
      inputTokens: 10,
      cacheReadTokens: 0,
      outputTokens: 3,
      reasoningTokens: 0,
    })
    expect(usage.provenance).toEqual({
      inputTokens: 'reported',
      cacheReadTokens: 'missing',
      cacheWriteTokens: 'missing',
      outputTokens: 'reported',
      reasoningTokens: 'missing',
    })
  })

  it('derives a missing side from total_tokens', () => {
    const usage = normaliseOpenAiUsage({ prompt_tokens: 10, total_tokens: 13 })
    expect(usage.outputTokens).toBe(3)
    expect(usage.provenance.outputTokens).toBe('derived')
  })

  it('treats malformed counts as missing, never as numbers', () => {
    const usage = normaliseOpenAiUsage({
      prompt_tokens: '12',
      completion_tokens: -4,
      prompt_tokens_details: null,
    })
    expect(usage).toMatchObject({ inputTokens: 0, outputTokens: 0, cacheReadTokens: 0 })
    expect(usage.provenance.inputTokens).toBe('missing')
    expect(usage.provenance.outputTokens).toBe('missing')
  })

  it('returns an all-missing usage for null or a non-object', () => {
    for (const raw of [null, undefined, 42, 'usage', []]) {
      const usage = normaliseOpenAiUsage(raw)
      expect(Object.values(usage.provenance)).toEqual([
        'missing',
        'missing',
        'missing',
        'missing',
        'missing',
      ])
      expect(usage.inputTokens + usage.outputTokens).toBe(0)
    }
  })

  it('repairs a payload whose cached tokens exceed the prompt, conservatively and visibly', () => {
    const usage = normaliseOpenAiUsage({
      prompt_tokens: 100,
      completion_tokens: 5,
      prompt_tokens_details: { cached_tokens: 150 },
      completion_tokens_details: { reasoning_tokens: 9 },
    })
    expect(usage).toMatchObject({
      inputTokens: 100,
      cacheReadTokens: 100,
      outputTokens: 5,
      reasoningTokens: 5,
    })
    expect(usage.provenance.cacheReadTokens).toBe('derived')
    expect(usage.provenance.reasoningTokens).toBe('derived')
  })

  it('carries audio token counts (prompt and completion details) as modality parts', () => {
    // 1,000 prompt tokens: 100 cached, 600 audio; 500 completion tokens: 200 audio
    const usage = normaliseOpenAiUsage({
      prompt_tokens: 1000,
      completion_tokens: 500,
      prompt_tokens_details: { cached_tokens: 100, audio_tokens: 600 },
      completion_tokens_details: { reasoning_tokens: 0, audio_tokens: 200 },
    })
    expect(usage).toMatchObject({
      inputTokens: 1000,
      cacheReadTokens: 100,
      audioInputTokens: 600,
      outputTokens: 500,
      audioOutputTokens: 200,
    })
    // more audio than fresh input cannot be: clamped to the fresh part (900)
    const clamped = normaliseOpenAiUsage({
      prompt_tokens: 1000,
      completion_tokens: 1,
      prompt_tokens_details: { cached_tokens: 100, audio_tokens: 5000 },
    })
    expect(clamped.audioInputTokens).toBe(900)
    const none = normaliseOpenAiUsage({
      prompt_tokens: 10,
      completion_tokens: 1,
      prompt_tokens_details: { audio_tokens: 0 },
    })
    expect(none).not.toHaveProperty('audioInputTokens')
  })
})
