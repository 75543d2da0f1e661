import { createRecordFactory } from '@tokenledger/store/testing'
import { describe, expect, it } from 'vitest'
import {
  metricAttributes,
  operationName,
  providerName,
  spanAttributes,
  spanName,
} from './gen-ai-attributes.js'

const factory = createRecordFactory({ seed: 3 })

describe('GenAI attributes of a record', () => {
  it('names the operation by endpoint and the provider by the conventions where they have a name', () => {
    expect(
      [
        '/chat/completions',
        '/responses',
        '/messages',
        '/completions',
        '/embeddings',
        ':generateContent',
        ':streamGenerateContent',
      ].map(operationName),
    ).toEqual([
      'chat',
      'chat',
      'chat',
      'text_completion',
      'embeddings',
      'generate_content',
      'generate_content',
    ])
    expect(
      ['openai', 'anthropic', 'google', 'deepseek', 'openrouter', '127.0.0.1:8080'].map(
        providerName,
      ),
    ).toEqual(['openai', 'anthropic', 'gcp.gemini', 'deepseek', 'openrouter', '127.0.0.1:8080'])
  })

  it('gives an unpriced call no cost attribute (never 0) and lists estimated fields', () => {
    const record = factory.next({
      provider: 'oxen',
      requestedModel: 'deepseek-v4-pro',
      servedModel: null,
      endpoint: '/chat/completions',
      status: 'ok',
      cost: null,
      card: null,
      reportedCost: null,
      requestId: null,
      usage: {
        inputTokens: 40,
        cacheReadTokens: 0,
        cacheWriteTokens: 0,
        outputTokens: 9,
        reasoningTokens: 0,
        provenance: {
          inputTokens: 'estimated',
          cacheReadTokens: 'missing',
          cacheWriteTokens: 'missing',
          outputTokens: 'estimated',
          reasoningTokens: 'missing',
        },
      },
    })
    const attributes = spanAttributes(record)
    expect(spanName(record)).toBe('chat deepseek-v4-pro')
    expect(attributes).toMatchObject({
      'tokenledger.priced': false,
      'tokenledger.usage.estimated': 'inputTokens,outputTokens',
      'gen_ai.usage.input_tokens': 40,
    })
    expect(attributes).not.toHaveProperty('tokenledger.cost.usd')
    expect(attributes).not.toHaveProperty('gen_ai.response.model')
    expect(attributes).not.toHaveProperty('gen_ai.response.id')
  })

  it('keeps ids and counts out of the metric attributes, and names the error of a failed call', () => {
    const record = factory.next({
      provider: 'deepseek',
      status: 'error',
      errorType: 'server_error',
      endpoint: '/chat/completions',
    })
    const attributes = metricAttributes(record)
    expect(Object.keys(attributes).sort()).toEqual(
      [
        'error.type',
        'gen_ai.operation.name',
        'gen_ai.provider.name',
        'gen_ai.request.model',
        ...(record.servedModel ? ['gen_ai.response.model'] : []),
      ].sort(),
    )
    expect(attributes['error.type']).toBe('server_error')
  })
})
