import { describe, expect, it } from 'vitest'
import { readRequest, withStreamUsage } from './read-request.js'

const post = (body: unknown, headers?: Record<string, string>): RequestInit => ({
  method: 'POST',
  body: JSON.stringify(body),
  ...(headers ? { headers } : {}),
})

describe('readRequest', () => {
  it('reads endpoint, base, model and stream of chat, Responses and Anthropic calls', () => {
    expect(
      readRequest(
        'https://api.deepseek.com/chat/completions',
        post({ model: 'deepseek-v4-flash', stream: true }),
      ),
    ).toMatchObject({
      endpoint: '/chat/completions',
      base: 'https://api.deepseek.com',
      model: 'deepseek-v4-flash',
      stream: true,
    })
    expect(
      readRequest(new URL('https://api.openai.com/v1/responses'), post({ model: 'gpt-4.1' })),
    ).toMatchObject({
      endpoint: '/responses',
      base: 'https://api.openai.com/v1',
      stream: false,
    })
    expect(
      readRequest('https://api.anthropic.com/v1/messages', post({ model: 'claude-sonnet-4-5' }))
        ?.endpoint,
    ).toBe('/messages')
  })

  it('reads the model and streaming from a Gemini path', () => {
    expect(
      readRequest(
        'https://generativelanguage.googleapis.com/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse',
        post({ contents: [] }),
      ),
    ).toMatchObject({
      endpoint: ':streamGenerateContent',
      base: 'https://generativelanguage.googleapis.com/v1beta',
      model: 'gemini-2.5-flash',
      stream: true,
    })
  })

  it('leaves other requests alone', () => {
    expect(readRequest('https://api.openai.com/v1/models', undefined)).toBeNull()
    expect(readRequest('https://api.openai.com/v1/chat/completions', { method: 'GET' })).toBeNull()
    expect(readRequest('https://api.openai.com/v1/files', post({}))).toBeNull()
    expect(
      readRequest('https://api.openai.com/v1/threads/t_1/messages', post({ role: 'user' })),
    ).toBeNull()
  })

  it('reads the one top-level model, and lets the parsed body decide when the text names several', () => {
    const modelOf = (body: string) =>
      readRequest('https://x.test/v1/chat/completions', { method: 'POST', body })?.model
    // Spacing and escapes in the value.
    expect(modelOf('{"model" :  "m-1","messages":[]}')).toBe('m-1')
    expect(modelOf(JSON.stringify({ model: 'a"b\\c', messages: [] }))).toBe('a"b\\c')
    // A prompt quoting a model pair is escaped text, not a pair.
    expect(
      modelOf(JSON.stringify({ model: 'real', messages: [{ content: '{"model": "fake"}' }] })),
    ).toBe('real')
    // A nested object with its own model (before or after): the top-level one, from the parsed body.
    expect(modelOf(JSON.stringify({ tools: [{ model: 'inner' }], model: 'outer' }))).toBe('outer')
    expect(modelOf(JSON.stringify({ model: 'outer', metadata: { model: 'inner' } }))).toBe('outer')
    // A "model" key whose value is not a string does not count as a pair.
    expect(modelOf(JSON.stringify({ metadata: { model: 7 }, model: 'm' }))).toBe('m')
    expect(modelOf(JSON.stringify({ model: 7 }))).toBe('')
    // Not JSON: the one pair the text holds. The search goes on after a pair's closing quote (as a
    // global regex's did), so a second "model" that starts at that quote is not a pair.
    expect(modelOf('{"model":"m" garbage')).toBe('m')
    expect(modelOf('{"model":"a"model":"b"}')).toBe('a')
    expect(modelOf('{"model":"a", "model":"b"')).toBe('')
    // A long prompt.
    const prompt = 'lorem ipsum "quoted" model '.repeat(10_000)
    expect(modelOf(JSON.stringify({ model: 'long', messages: [{ content: prompt }] }))).toBe('long')
  })

  it('meters a body it cannot read, with model unknown', () => {
    expect(
      readRequest('https://x.test/v1/chat/completions', { method: 'POST', body: new Blob(['{}']) }),
    ).toMatchObject({ model: '', body: null })
  })
})

describe('withStreamUsage', () => {
  it('adds include_usage to a stream that lacks it with a string edit, the body staying the same JSON otherwise', () => {
    const init = post({ model: 'm', stream: true, messages: [{ role: 'user', content: 'hi' }] })
    const next = withStreamUsage('/chat/completions', init)!
    expect(JSON.parse(next.body as string)).toEqual({
      stream_options: { include_usage: true },
      model: 'm',
      stream: true,
      messages: [{ role: 'user', content: 'hi' }],
    })
    expect(next.headers).toBe(init.headers)
  })

  it('merges into existing stream options and drops a stale Content-Length', () => {
    const init = post(
      { model: 'm', stream: true, stream_options: { include_obfuscation: false } },
      { 'content-length': '60', authorization: 'Bearer k' },
    )
    const next = withStreamUsage('/chat/completions', init)!
    expect(JSON.parse(next.body as string)).toEqual({
      model: 'm',
      stream: true,
      stream_options: { include_obfuscation: false, include_usage: true },
    })
    const headers = new Headers(next.headers)
    expect(headers.has('content-length')).toBe(false)
    expect(headers.get('authorization')).toBe('Bearer k')
  })

  it('changes nothing when usage is already asked for, or for non-streams and other endpoints', () => {
    const cases: Array<[string, unknown]> = [
      ['/chat/completions', { model: 'm', stream: true, stream_options: { include_usage: true } }],
      ['/chat/completions', { model: 'm' }],
      [
        '/chat/completions',
        { model: 'm', stream: false, messages: [{ role: 'user', content: '"stream": true' }] },
      ],
      ['/responses', { model: 'm', stream: true }],
    ]
    for (const [endpoint, body] of cases) expect(withStreamUsage(endpoint, post(body))).toBeNull()
  })
})
