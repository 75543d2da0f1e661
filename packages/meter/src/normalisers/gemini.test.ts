import { describe, expect, it } from 'vitest'
import { fixtureJson, fixtureSseData } from './__fixtures__/read-fixture.js'
import { normaliseGeminiUsage } from './gemini.js'

describe('normaliseGeminiUsage', () => {
  it('adds thoughts to candidates for the output', () => {
    const usage = normaliseGeminiUsage(fixtureJson('gemini-generate.json')['usageMetadata'])
    // candidates 80 + thoughts 420 = 500 output tokens; 1200 prompt of which 1024 cached.
    expect(usage).toEqual({
      inputTokens: 1200,
      cacheReadTokens: 1024,
      cacheWriteTokens: 0,
      outputTokens: 500,
      reasoningTokens: 420,
      provenance: {
        inputTokens: 'reported',
        cacheReadTokens: 'reported',
        cacheWriteTokens: 'missing',
        outputTokens: 'derived',
        reasoningTokens: 'reported',
      },
    })
  })

  it('takes the last cumulative streamed usage as is', () => {
    const chunks = fixtureSseData('gemini-stream.sse')
    const usage = normaliseGeminiUsage(chunks.at(-1)!['usageMetadata'])
    expect(usage).toMatchObject({ inputTokens: 310, outputTokens: 211, reasoningTokens: 200 })
  })

  it('recovers an omitted candidatesTokenCount from the total', () => {
    const usage = normaliseGeminiUsage({ promptTokenCount: 40, totalTokenCount: 40 })
    expect(usage.outputTokens).toBe(0)
    expect(usage.provenance.outputTokens).toBe('derived')
  })

  it('counts tool-use prompt tokens as input', () => {
    const usage = normaliseGeminiUsage({
      promptTokenCount: 100,
      toolUsePromptTokenCount: 50,
      candidatesTokenCount: 5,
      totalTokenCount: 155,
    })
    expect(usage.inputTokens).toBe(150)
    expect(usage.provenance.inputTokens).toBe('derived')
    expect(usage.outputTokens).toBe(5)
    expect(usage.provenance.outputTokens).toBe('reported')
  })

  it('carries per-modality prompt and candidate token details', () => {
    const usage = normaliseGeminiUsage({
      promptTokenCount: 1200,
      candidatesTokenCount: 300,
      totalTokenCount: 1500,
      promptTokensDetails: [
        { modality: 'TEXT', tokenCount: 200 },
        { modality: 'AUDIO', tokenCount: 800 },
        { modality: 'IMAGE', tokenCount: 200 },
      ],
      candidatesTokensDetails: [
        { modality: 'AUDIO', tokenCount: 250 },
        { modality: 'TEXT', tokenCount: 50 },
      ],
    })
    expect(usage).toMatchObject({
      inputTokens: 1200,
      audioInputTokens: 800,
      imageInputTokens: 200,
      outputTokens: 300,
      audioOutputTokens: 250,
    })
  })
})
