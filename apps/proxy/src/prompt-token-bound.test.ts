import { countRequest, countTokens } from '@tokenledger/estimate'
import { describe, expect, it } from 'vitest'
import { promptTokenBound } from './prompt-token-bound.js'

const bound = (provider: string, model: string, endpoint: string, body: Record<string, unknown>) =>
  promptTokenBound({ provider, model, endpoint, body })

describe('promptTokenBound', () => {
  it('counts OpenAI models exactly: chat and Responses', () => {
    // The cookbook's example: 3 framing + 1 ('user') + 1 ('Hello') + 3 priming.
    expect(
      bound('openai', 'gpt-4o', '/chat/completions', {
        model: 'gpt-4o',
        messages: [{ role: 'user', content: 'Hello' }],
        max_tokens: 5,
      }),
    ).toBe(8)
    // instructions -> system (3 + 1 + 2 'be brief'), input -> user (3 + 1 + 2 'hello hello'), + 3.
    expect(
      bound('openai', 'gpt-4o', '/responses', {
        model: 'gpt-4o',
        instructions: 'be brief',
        input: 'hello hello',
        text: { format: { type: 'text' } },
      }),
    ).toBe(15)
  })

  it('raises approximated families by their expected error: Anthropic and Gemini', () => {
    // 15 o200k tokens as above; Claude x1.20 +/-20%: ceil(15 x 1.2 x 1.2) = ceil(21.6) = 22.
    expect(
      bound('anthropic', 'claude-sonnet-4-5', '/messages', {
        model: 'claude-sonnet-4-5',
        max_tokens: 100,
        system: [{ type: 'text', text: 'be brief' }],
        messages: [{ role: 'user', content: [{ type: 'text', text: 'hello hello' }] }],
      }),
    ).toBe(22)
    // 3 + 1 ('user') + 2 + 3 priming = 9; Gemini x1.00 +/-15%: ceil(10.35) = 11.
    expect(
      bound('google', 'gemini-2.5-flash', ':generateContent', {
        contents: [{ role: 'user', parts: [{ text: 'hello hello' }] }],
        generationConfig: { maxOutputTokens: 10 },
      }),
    ).toBe(11)
  })

  it('bounds function tools by their JSON text and framing, above the cookbook estimate', () => {
    const tools = [
      {
        type: 'function',
        function: {
          name: 'weather',
          description: 'The weather in a city.',
          parameters: {
            type: 'object',
            properties: { city: { type: 'object', properties: { name: { type: 'string' } } } },
          },
        },
      },
    ]
    const body = { model: 'gpt-4o', messages: [{ role: 'user', content: 'Hello' }], tools }
    const counted = bound('openai', 'gpt-4o', '/chat/completions', body)
    expect(counted).toBe(8 + countTokens(JSON.stringify(tools), 'gpt-4o').countedTokens + 10 + 12)
    expect(counted!).toBeGreaterThan(countRequest(body).tokens)
  })

  it('leaves to the byte bound what may hide tokens or is not known', () => {
    const chat = (extra: Record<string, unknown>) =>
      bound('openai', 'gpt-4o', '/chat/completions', {
        model: 'gpt-4o',
        messages: [{ role: 'user', content: 'Hello' }],
        ...extra,
      })
    expect(chat({ plugins: [{ id: 'web' }] })).toBeUndefined() // a field it does not know
    expect(chat({ tools: { name: 'x' } })).toBeUndefined() // tools that are not a list
    expect(
      bound('openai', 'gpt-4o', '/chat/completions', {
        model: 'gpt-4o',
        messages: [
          {
            role: 'user',
            content: [{ type: 'image_url', image_url: { url: 'https://example.com/a.png' } }],
          },
        ],
      }),
    ).toBeUndefined()
    expect(
      bound('openai', 'gpt-4o', '/responses', {
        model: 'gpt-4o',
        input: 'more',
        previous_response_id: 'resp_1',
      }),
    ).toBeUndefined()
    expect(
      bound('openai', 'gpt-4o', '/responses', {
        model: 'gpt-4o',
        input: 'news?',
        tools: [{ type: 'web_search' }],
      }),
    ).toBeUndefined()
    expect(
      bound('anthropic', 'claude-sonnet-4-5', '/messages', {
        model: 'claude-sonnet-4-5',
        max_tokens: 10,
        messages: [
          {
            role: 'user',
            content: [{ type: 'image', source: { type: 'url', url: 'https://example.com/a.png' } }],
          },
        ],
      }),
    ).toBeUndefined()
    expect(
      bound('anthropic', 'claude-sonnet-4-5', '/messages', {
        model: 'claude-sonnet-4-5',
        max_tokens: 10,
        tools: [{ name: 'x', input_schema: { type: 'object' } }],
        messages: [{ role: 'user', content: 'hi' }],
      }),
    ).toBeUndefined()
    expect(
      bound('google', 'gemini-2.5-flash', ':generateContent', {
        contents: [{ parts: [{ inlineData: { mimeType: 'image/png', data: 'AAAA' } }] }],
      }),
    ).toBeUndefined()
    expect(
      bound('openai', 'text-embedding-3-small', '/embeddings', {
        model: 'text-embedding-3-small',
        input: 'hi',
      }),
    ).toBeUndefined()
  })
})
