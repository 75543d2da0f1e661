import { encode as encodeCl100k } from 'gpt-tokenizer/encoding/cl100k_base'
import { encode as encodeO200k } from 'gpt-tokenizer/encoding/o200k_base'
import { describe, expect, it } from 'vitest'
import { countRequest } from './count-request.js'

// An independent count: gpt-tokenizer (a second BPE implementation, dev dependency only) for the
// text, and the cookbook's framing rules written out again here, on the RAW request bodies.
type RawMessage = {
  role: string
  content?: string | null | Array<{ type: string; text?: string }>
  name?: string
  tool_calls?: Array<{ function: { name: string; arguments: string } }>
}

function independentCount(messages: RawMessage[], encoding: 'o200k' | 'cl100k'): number {
  const tokens = (text: string) =>
    (encoding === 'o200k' ? encodeO200k : encodeCl100k)(text, { disallowedSpecial: new Set() })
      .length
  let total = 3 // reply priming
  for (const message of messages) {
    total += 3 + tokens(message.role)
    if (typeof message.content === 'string') total += tokens(message.content)
    else if (Array.isArray(message.content))
      for (const part of message.content) total += tokens(part.text ?? '')
    if (message.name) total += tokens(message.name) + 1
    for (const call of message.tool_calls ?? [])
      total += tokens(call.function.name) + tokens(call.function.arguments) + 3
  }
  return total
}

const LONG_SYSTEM = [
  'You are the billing assistant of a company that resells LLM capacity.',
  'Always answer with a JSON object {"answer": string, "confidence": number}.',
  'Never reveal internal prices. Quote prices per million tokens with two decimals.',
  'Refuse requests about other customers; explain politely why.',
]
  .join('\n')
  .repeat(40)

const CORPUS: Array<{ name: string; messages: RawMessage[] }> = [
  {
    name: 'plain English',
    messages: [{ role: 'user', content: 'What does caching do to my bill?' }],
  },
  {
    name: 'code',
    messages: [
      { role: 'system', content: 'You review TypeScript.' },
      {
        role: 'user',
        content:
          'export function sum(xs: number[]): number {\n\treturn xs.reduce((a, b) => a + b, 0)\n}\n\n// TODO: bigint?\nconst x = sum([1, 2, 3]) // 6\n',
      },
    ],
  },
  {
    name: 'CJK text',
    messages: [
      {
        role: 'user',
        content: '请把下面的句子翻译成日语：缓存命中的令牌价格是未命中价格的十分之一。',
      },
      {
        role: 'assistant',
        content: 'キャッシュヒットしたトークンの価格は、ミスした場合の10分の1です。',
      },
      { role: 'user', content: '한국어로도 번역해 주세요.' },
    ],
  },
  {
    name: 'emoji',
    messages: [{ role: 'user', content: 'Rate this 🚀🚀🚀 launch 👍🏽👍🏽 from 🇯🇵 — 10/10 🔥? ✅❌' }],
  },
  {
    name: 'tool calls',
    messages: [
      { role: 'user', content: 'Weather in Paris and Tokyo?' },
      {
        role: 'assistant',
        content: null,
        tool_calls: [
          { function: { name: 'get_weather', arguments: '{"city":"Paris","unit":"celsius"}' } },
          { function: { name: 'get_weather', arguments: '{"city":"東京","unit":"celsius"}' } },
        ],
      },
      { role: 'tool', content: '{"temperature":18,"sky":"clear"}' },
      { role: 'tool', content: '{"temperature":24,"sky":"rain"}' },
    ],
  },
  {
    name: 'long system prompt with names and parts',
    messages: [
      { role: 'system', content: LONG_SYSTEM },
      {
        role: 'user',
        name: 'alice_2',
        content: [
          { type: 'text', text: 'Part one.' },
          { type: 'text', text: ' Part two, with <|endoftext|> inside.' },
        ],
      },
    ],
  },
]

describe('countRequest on OpenAI models equals an independent count', () => {
  for (const { name, messages } of CORPUS) {
    it.each([
      ['gpt-4o', 'o200k'],
      ['gpt-4.1-mini', 'o200k'],
      ['gpt-4', 'cl100k'],
      ['gpt-3.5-turbo', 'cl100k'],
    ] as const)(`${name} on %s`, (model, encoding) => {
      const counted = countRequest({ model, messages })
      expect(counted.exact).toBe(true)
      expect(counted.tokens).toBe(independentCount(messages, encoding))
    })
  }
})

describe('recorded API counts from the OpenAI cookbook', () => {
  // "How to count tokens with tiktoken" prints the API's usage.prompt_tokens beside its own count:
  // 129 for gpt-3.5-turbo / gpt-4, 124 for gpt-4o / gpt-4o-mini (messages), and 105 / 101 with the
  // get_current_weather tool definition.
  const messages = [
    {
      role: 'system',
      content:
        'You are a helpful, pattern-following assistant that translates corporate jargon into plain English.',
    },
    {
      role: 'system',
      name: 'example_user',
      content: 'New synergies will help drive top-line growth.',
    },
    {
      role: 'system',
      name: 'example_assistant',
      content: 'Things working well together will increase revenue.',
    },
    {
      role: 'system',
      name: 'example_user',
      content:
        "Let's circle back when we have more bandwidth to touch base on opportunities for increased leverage.",
    },
    {
      role: 'system',
      name: 'example_assistant',
      content: "Let's talk later when we're less busy about how to do better.",
    },
    {
      role: 'user',
      content:
        "This late pivot means we don't have time to boil the ocean for the client deliverable.",
    },
  ]
  it.each([
    ['gpt-3.5-turbo', 129],
    ['gpt-4', 129],
    ['gpt-4o', 124],
    ['gpt-4o-mini', 124],
  ])('messages on %s: %i prompt tokens', (model, expected) => {
    expect(countRequest({ model, messages }).tokens).toBe(expected)
  })

  const tools = [
    {
      type: 'function',
      function: {
        name: 'get_current_weather',
        description: 'Get the current weather in a given location',
        parameters: {
          type: 'object',
          properties: {
            location: { type: 'string', description: 'The city and state, e.g. San Francisco, CA' },
            unit: {
              type: 'string',
              description: 'The unit of temperature to return',
              enum: ['celsius', 'fahrenheit'],
            },
          },
          required: ['location'],
        },
      },
    },
  ]
  const weather = [
    {
      role: 'system',
      content: 'You are a helpful assistant that can answer to questions about the weather.',
    },
    { role: 'user', content: "What's the weather like in San Francisco?" },
  ]
  it.each([
    ['gpt-3.5-turbo', 105],
    ['gpt-4', 105],
    ['gpt-4o', 101],
    ['gpt-4o-mini', 101],
  ])('tool definitions on %s: %i prompt tokens', (model, expected) => {
    const counted = countRequest({ model, messages: weather, tools })
    expect(counted.tokens).toBe(expected)
    expect(counted.detail.toolTokens).toBeGreaterThan(0)
  })
})

describe('images', () => {
  const png = (width: number, height: number) => {
    const header = Buffer.alloc(24)
    header.writeUInt32BE(0x89504e47, 0)
    header.writeUInt32BE(0x0d0a1a0a, 4)
    header.writeUInt32BE(13, 8)
    header.write('IHDR', 12, 'latin1')
    header.writeUInt32BE(width, 16)
    header.writeUInt32BE(height, 20)
    return `data:image/png;base64,${header.toString('base64')}`
  }
  const withImage = (model: string, url: string, detail?: string) =>
    countRequest({
      model,
      messages: [
        {
          role: 'user',
          content: [{ type: 'image_url', image_url: detail ? { url, detail } : { url } }],
        },
      ],
    }).detail

  // Framing of the one user message: 3 + 'user' (1) + priming 3 = 7 tokens around the image.
  it('applies the GPT-4o tile rule: 85 + 170 per 512 px tile after scaling', () => {
    expect(withImage('gpt-4o', png(1024, 1024), 'high').images.tokens).toBe(765) // 768x768: 4 tiles
    expect(withImage('gpt-4o', png(2048, 4096), 'high').images.tokens).toBe(1105) // 768x1536: 6 tiles
    expect(withImage('gpt-4o', png(4096, 8192), 'low').images.tokens).toBe(85)
    expect(withImage('gpt-4o', png(512, 512)).tokens).toBe(85 + 170 + 7)
  })

  it('applies gpt-4o-mini multipliers and the patch rule of gpt-4.1-mini', () => {
    expect(withImage('gpt-4o-mini', png(1024, 1024), 'high').images.tokens).toBe(2833 + 4 * 5667)
    // 1024 x 1024 = 32 x 32 patches = 1024, x 1.62 = 1658.88 -> 1659
    expect(withImage('gpt-4.1-mini', png(1024, 1024)).images.tokens).toBe(1659)
    // 1800 x 2400 needs 4275 patches > 1536: scaled to 1056 x 1408 = 33 x 44 = 1452 patches
    expect(withImage('gpt-4.1-mini', png(1800, 2400)).images.tokens).toBe(Math.ceil(1452 * 1.62))
  })

  it('counts a remote image as 1024 x 1024 and says so', () => {
    const detail = withImage('gpt-4o', 'https://example.com/cat.png', 'high')
    expect(detail.images).toEqual({ count: 1, tokens: 765, sizeAssumed: 1, ruleAssumed: false })
  })

  it('uses the documented rules of Claude and Gemini, and flags an assumed rule elsewhere', () => {
    expect(withImage('claude-sonnet-4-5', png(1000, 750)).images.tokens).toBe(1000)
    expect(withImage('gemini-2.5-flash', png(300, 300)).images.tokens).toBe(258)
    expect(withImage('gemini-2.5-flash', png(1000, 1000)).images.tokens).toBe(258 * 4)
    expect(withImage('deepseek-v4-flash', png(1024, 1024)).images).toMatchObject({
      tokens: 765,
      ruleAssumed: true,
    })
  })
})
