import { describe, expect, it } from 'vitest'
import { NORMALISERS } from '../normalisers/normaliser-for.js'
import { fixtureText } from '../normalisers/__fixtures__/read-fixture.js'
import type { UsageStyle } from '@tokenledger/pricing'
import { SseParser } from './sse-parser.js'
import { CARRIED_TEXT, createStreamAccumulator, DROP } from './stream-accumulator.js'

/** Feeds a recorded SSE file through the parser and an accumulator; returns facts and verdicts. */
function replay(style: UsageStyle, file: string, injectedUsage = false) {
  const accumulator = createStreamAccumulator(style, { injectedUsage })
  const parser = new SseParser()
  const blocks = [
    ...parser.push(new TextEncoder().encode(fixtureText(file))),
    ...parser.end().blocks,
  ]
  const verdicts = blocks.map((block) => accumulator.add(block.event, block.data!))
  const facts = accumulator.facts()
  // Events after the first text are kept unparsed until counts are needed: measure them now.
  facts.countDeferred?.()
  return { facts, verdicts }
}

describe('stream accumulators', () => {
  it('OpenAI: takes usage from the separate choices: [] chunk and drops it only when the meter asked for it', () => {
    const asked = replay('openai', 'openai-stream-usage.sse', true)
    expect(asked.facts).toMatchObject({
      finalUsage: true,
      servedModel: 'gpt-4o-mini-2024-07-18',
      serviceTier: 'default',
      textChars: 24,
    })
    expect(NORMALISERS.openai(asked.facts.usage)).toMatchObject({
      inputTokens: 1350,
      cacheReadTokens: 1280,
      outputTokens: 5,
    })
    // role, 4 text chunks, stop, usage, [DONE]: text is flagged on the first text chunk (time to
    // first token); later text chunks are kept unparsed and measured on demand.
    expect(asked.verdicts).toEqual([0, CARRIED_TEXT, 0, 0, 0, 0, DROP, 0])
    expect(replay('openai', 'openai-stream-usage.sse', false).verdicts).not.toContain(DROP)
  })

  it('DeepSeek: usage on the last chunk with a choice is kept for the caller; reasoning text counted apart', () => {
    const { facts, verdicts } = replay('deepseek', 'deepseek-stream-reasoning.sse', true)
    expect(verdicts).not.toContain(DROP)
    expect(facts).toMatchObject({ finalUsage: true, reasoningChars: 71, textChars: 37 })
    expect(NORMALISERS.deepseek(facts.usage)).toMatchObject({
      inputTokens: 24,
      outputTokens: 60,
      reasoningTokens: 41,
    })
  })

  it('OpenRouter: reads the upstream provider and the usage with its cost', () => {
    const { facts } = replay('openrouter', 'openrouter-stream.sse')
    expect(facts).toMatchObject({
      upstreamProvider: 'DeepSeek',
      servedModel: 'deepseek/deepseek-v4-flash',
      reasoningChars: 20,
      textChars: 28,
    })
    expect((facts.usage as { cost: number }).cost).toBe(0.00005129)
  })

  it('Anthropic: keeps the latest cumulative value of each usage field, never the sum', () => {
    const { facts } = replay('anthropic', 'anthropic-stream.sse')
    const usage = NORMALISERS.anthropic(facts.usage)
    // message_start said output 2, the deltas 40 then 58: the answer is 58 (the sum would be 100).
    expect(usage).toMatchObject({
      inputTokens: 4568,
      cacheReadTokens: 4096,
      cacheWriteTokens: 0,
      outputTokens: 58,
    })
    expect(facts).toMatchObject({
      servedModel: 'claude-sonnet-4-5-20250929',
      serviceTier: 'standard',
      finalUsage: true,
    })
    expect(facts.reasoningChars).toBe('The user wants a one-line summary.'.length)
    expect(facts.textChars).toBe('Revenue grew 12% while costs stayed flat.'.length)
  })

  it('Anthropic: a stream stopped before message_delta has only a running output count', () => {
    const accumulator = createStreamAccumulator('anthropic', { injectedUsage: false })
    const start = fixtureText('anthropic-stream.sse').split('\n\n')[0]!.split('\n')[1]!.slice(6)
    accumulator.add('message_start', start)
    expect(accumulator.facts().finalUsage).toBe(false)
    expect(NORMALISERS.anthropic(accumulator.facts().usage).outputTokens).toBe(2)
  })

  it('Gemini: takes the last cumulative usageMetadata', () => {
    const { facts } = replay('gemini', 'gemini-stream.sse')
    expect(NORMALISERS.gemini(facts.usage)).toMatchObject({
      inputTokens: 310,
      outputTokens: 211,
      reasoningTokens: 200,
    })
    expect(facts).toMatchObject({
      servedModel: 'gemini-2.5-flash',
      finalUsage: true,
      textChars: 40,
    })
  })

  it('Responses API: reads text deltas and the usage of response.completed', () => {
    const accumulator = createStreamAccumulator('openai', { injectedUsage: false })
    const events = [
      {
        type: 'response.created',
        response: { id: 'resp_1', model: 'gpt-4.1-2025-04-14', usage: null },
      },
      { type: 'response.output_text.delta', delta: 'Three regions' },
      { type: 'response.output_text.delta', delta: ' over budget.' },
      {
        type: 'response.completed',
        response: {
          id: 'resp_1',
          model: 'gpt-4.1-2025-04-14',
          usage: { input_tokens: 50, output_tokens: 4, input_tokens_details: { cached_tokens: 0 } },
        },
      },
    ]
    const verdicts = events.map((event) => accumulator.add(event.type, JSON.stringify(event)))
    expect(verdicts).toEqual([0, CARRIED_TEXT, 0, 0])
    accumulator.facts().countDeferred?.()
    expect(accumulator.facts()).toMatchObject({
      finalUsage: true,
      textChars: 26,
      responseId: 'resp_1',
    })
    expect(NORMALISERS.openai(accumulator.facts().usage)).toMatchObject({
      inputTokens: 50,
      outputTokens: 4,
    })
  })

  it('notes an error event inside a stream', () => {
    const accumulator = createStreamAccumulator('openai', { injectedUsage: false })
    accumulator.add(
      null,
      JSON.stringify({ error: { message: 'overloaded', type: 'server_error' } }),
    )
    expect(accumulator.facts().errorType).toBe('server_error')
  })

  it('ignores [DONE], comments and malformed data', () => {
    const accumulator = createStreamAccumulator('openai', { injectedUsage: true })
    expect(accumulator.add(null, '[DONE]')).toBe(0)
    expect(accumulator.add(null, '{not json')).toBe(0)
    expect(accumulator.add(null, '[1,2]')).toBe(0)
    expect(accumulator.facts().usage).toBeUndefined()
  })
})
