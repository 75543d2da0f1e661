import { describe, expect, it } from 'vitest'
import { fixtureJson, fixtureSseData } from './__fixtures__/read-fixture.js'
import { normaliseOpenRouterUsage } from './openrouter.js'

describe('normaliseOpenRouterUsage', () => {
  it('reads cached and reasoning tokens as subsets', () => {
    const usage = normaliseOpenRouterUsage(fixtureJson('openrouter-chat.json')['usage'])
    expect(usage).toEqual({
      inputTokens: 2048,
      cacheReadTokens: 1792,
      cacheWriteTokens: 0,
      outputTokens: 256,
      reasoningTokens: 128,
      provenance: {
        inputTokens: 'reported',
        cacheReadTokens: 'reported',
        cacheWriteTokens: 'reported',
        outputTokens: 'reported',
        reasoningTokens: 'reported',
      },
    })
  })

  it('reads the usage of the final streamed message', () => {
    const last = fixtureSseData('openrouter-stream.sse').at(-1)!
    expect(normaliseOpenRouterUsage(last['usage'])).toMatchObject({
      inputTokens: 3072,
      cacheReadTokens: 2560,
      outputTokens: 40,
      reasoningTokens: 12,
    })
  })
})
