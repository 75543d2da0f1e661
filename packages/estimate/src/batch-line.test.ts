import { describe, expect, it } from 'vitest'
import { parseBatchLine } from './batch-line.js'

const ok = (text: string, context = {}) => {
  const parsed = parseBatchLine(text, context)
  if (!parsed.ok) throw new Error(`expected a request, got: ${parsed.message}`)
  return parsed
}
const bad = (text: string, context = {}) => {
  const parsed = parseBatchLine(text, context)
  if (parsed.ok) throw new Error('expected a problem')
  return parsed.message
}

describe('parseBatchLine', () => {
  it('reads an OpenAI Batch API line', () => {
    const line = JSON.stringify({
      custom_id: 'request-1',
      method: 'POST',
      url: '/v1/chat/completions',
      body: {
        model: 'gpt-4o-mini',
        messages: [{ role: 'user', content: 'Hi' }],
        max_completion_tokens: 300,
        n: 2,
      },
    })
    const parsed = ok(line)
    expect(parsed.format).toBe('batch-api')
    expect(parsed.customId).toBe('request-1')
    expect(parsed.request).toEqual({
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: 'Hi' }],
      tools: [],
      maxOutputTokens: 300,
      choices: 2,
    })
  })

  it('reads a Responses API batch line', () => {
    const line = JSON.stringify({
      custom_id: 'r',
      method: 'POST',
      url: '/v1/responses',
      body: {
        model: 'gpt-4.1',
        instructions: 'Be brief.',
        input: [
          {
            role: 'user',
            content: [
              { type: 'input_text', text: 'Hello' },
              { type: 'input_image', image_url: 'https://x/y.png', detail: 'low' },
            ],
          },
        ],
        tools: [
          {
            type: 'function',
            name: 'lookup',
            description: 'Look up',
            parameters: { type: 'object', properties: {} },
          },
        ],
        max_output_tokens: 50,
      },
    })
    const { request } = ok(line)
    expect(request.messages).toEqual([
      { role: 'system', content: 'Be brief.' },
      {
        role: 'user',
        content: [
          { type: 'text', text: 'Hello' },
          { type: 'image', url: 'https://x/y.png', detail: 'low' },
        ],
      },
    ])
    expect(request.tools).toEqual([
      { name: 'lookup', description: 'Look up', parameters: { type: 'object', properties: {} } },
    ])
    expect(request.maxOutputTokens).toBe(50)
  })

  it('reads chat bodies, tools, tool calls and legacy functions', () => {
    const { request, format } = ok(
      JSON.stringify({
        model: 'gpt-4o',
        messages: [
          { role: 'user', content: 'Weather?' },
          {
            role: 'assistant',
            content: null,
            tool_calls: [{ id: 'c1', type: 'function', function: { name: 'w', arguments: '{}' } }],
          },
          { role: 'tool', tool_call_id: 'c1', content: 'sunny' },
        ],
        tools: [
          { type: 'function', function: { name: 'w', parameters: { type: 'object' } } },
          { type: 'web_search' },
        ],
        functions: [{ name: 'legacy', description: 'Old style' }],
        max_tokens: 10,
      }),
    )
    expect(format).toBe('chat')
    expect(request.messages[1]).toEqual({
      role: 'assistant',
      content: null,
      toolCalls: [{ name: 'w', arguments: '{}' }],
    })
    expect(request.tools.map((tool) => tool.name)).toEqual(['w', 'legacy'])
    expect(request.maxOutputTokens).toBe(10)
  })

  it('reads prompts: JSON strings, prompt objects, text lines, with the --system text', () => {
    expect(
      ok('"Summarise this"', { model: 'gpt-4o', system: 'Be terse.' }).request.messages,
    ).toEqual([
      { role: 'system', content: 'Be terse.' },
      { role: 'user', content: 'Summarise this' },
    ])
    const object = ok('{"prompt":"Hi","model":"gpt-4o","max_tokens":5}').request
    expect(object).toMatchObject({ model: 'gpt-4o', maxOutputTokens: 5 })
    const text = ok('not JSON at all: {', { model: 'deepseek-v4-flash', text: true })
    expect(text.format).toBe('text')
    expect(text.request.messages).toEqual([{ role: 'user', content: 'not JSON at all: {' }])
  })

  it('lets --model override the line model', () => {
    expect(
      ok('{"model":"gpt-4o","messages":[{"role":"user","content":"x"}]}', {
        model: 'deepseek-v4-flash',
      }).request.model,
    ).toBe('deepseek-v4-flash')
  })

  it('names the field and the expectation for bad lines', () => {
    expect(bad('{not json')).toMatch(/^invalid JSON/)
    expect(bad('{"messages":[{"role":"user","content":"x"}]}')).toBe(
      'model: missing; give the line a "model" or pass --model',
    )
    expect(bad('{"custom_id":"a","body":{"model":"gpt-4o"}}')).toBe(
      'body.messages: expected an array of messages, got nothing',
    )
    expect(bad('{"model":"gpt-4o","messages":[]}')).toBe(
      'messages: expected at least one message, got an empty array',
    )
    expect(bad('{"model":"gpt-4o","messages":[{"role":"user","content":42}]}')).toBe(
      'messages[0].content: expected a string or an array of content parts, got number 42',
    )
    expect(bad('{"model":"gpt-4o","messages":[{"content":"x"}]}')).toBe(
      'messages[0].role: expected a role such as "user", got nothing',
    )
    expect(
      bad('{"model":"gpt-4o","messages":[{"role":"user","content":"x"}],"max_tokens":0}'),
    ).toBe('max_tokens: expected a positive integer, got number 0')
    expect(bad('{"custom_id":"a","method":"POST","url":"/v1/embeddings","body":{}}')).toBe(
      'url: expected one of /v1/chat/completions, /v1/responses, got "/v1/embeddings"',
    )
    expect(bad('[1,2]')).toBe('line: expected a JSON object or a JSON string, got an array')
    expect(bad('{"foo":1}')).toMatch(/^expected a Batch API line/)
  })
})
