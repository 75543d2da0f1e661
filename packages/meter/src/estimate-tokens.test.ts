import { describe, expect, it } from 'vitest'
import {
  estimatePromptTokens,
  fillEstimates,
  textChars,
  tokensFromChars,
} from './estimate-tokens.js'
import { normaliseAnthropicUsage } from './normalisers/anthropic.js'
import { missingUsage } from './normalisers/normalise-usage.js'
import { normaliseOpenAiUsage } from './normalisers/openai-chat.js'

describe('token estimates', () => {
  it('rounds characters / 4 up', () => {
    expect([0, 1, 4, 5, 33].map(tokensFromChars)).toEqual([0, 1, 1, 2, 9])
  })

  it('counts prompt text of chat, Anthropic, Responses and Gemini requests, plus 4 per message', () => {
    // "What is 2+2?" = 12 chars -> 3 tokens, + 4 for the message
    expect(
      estimatePromptTokens({ model: 'x', messages: [{ role: 'user', content: 'What is 2+2?' }] }),
    ).toBe(7)
    // Anthropic: system (8 chars) + a text part (12 chars) = 20 -> 5, + 4 x 2 (system, message)
    expect(
      estimatePromptTokens({
        system: 'Be brief',
        messages: [{ role: 'user', content: [{ type: 'text', text: 'What is 2+2?' }] }],
      }),
    ).toBe(13)
    // Responses API string input: 12 chars -> 3, + 4
    expect(estimatePromptTokens({ input: 'What is 2+2?' })).toBe(7)
    // Gemini: 12 chars -> 3, + 4
    expect(estimatePromptTokens({ contents: [{ parts: [{ text: 'What is 2+2?' }] }] })).toBe(7)
    expect(estimatePromptTokens(null)).toBe(0)
  })

  it('skips binary payloads and labels', () => {
    expect(
      textChars({
        type: 'image_url',
        image_url: { url: 'data:image/png;base64,AAAA' },
        role: 'user',
      }),
    ).toBe(0)
  })

  it('fills only missing figures, flagged estimated, and leaves cache counts missing', () => {
    const usage = fillEstimates(
      missingUsage(),
      { promptTokens: 13, textChars: 24, reasoningChars: 71 },
      true,
    )
    expect(usage).toMatchObject({
      inputTokens: 13,
      outputTokens: 24,
      reasoningTokens: 18,
      cacheReadTokens: 0,
    })
    expect(usage.provenance).toEqual({
      inputTokens: 'estimated',
      cacheReadTokens: 'missing',
      cacheWriteTokens: 'missing',
      outputTokens: 'estimated',
      reasoningTokens: 'estimated',
    })
  })

  it('never touches a complete reported output', () => {
    const reported = normaliseOpenAiUsage({ prompt_tokens: 10, completion_tokens: 3 })
    const usage = fillEstimates(
      reported,
      { promptTokens: 99, textChars: 400, reasoningChars: 0 },
      false,
    )
    expect(usage).toEqual(reported)
  })

  it('raises a running output count of a stopped stream to the text seen', () => {
    // Anthropic message_start reported output 2 before the stream stopped; 100 chars were seen.
    const running = normaliseAnthropicUsage({ input_tokens: 50, output_tokens: 2 })
    const usage = fillEstimates(
      running,
      { promptTokens: 0, textChars: 100, reasoningChars: 0 },
      true,
    )
    expect(usage.outputTokens).toBe(25)
    expect(usage.provenance.outputTokens).toBe('estimated')
    expect(usage.inputTokens).toBe(50)
    expect(usage.provenance.inputTokens).toBe('reported')
  })

  it('leaves a missing output missing when no text was seen at all', () => {
    const usage = fillEstimates(
      missingUsage(),
      { promptTokens: 9, textChars: 0, reasoningChars: 0 },
      false,
    )
    expect(usage).toMatchObject({ inputTokens: 9, outputTokens: 0 })
    expect(usage.provenance.inputTokens).toBe('estimated')
    expect(usage.provenance.outputTokens).toBe('missing')
  })
})
