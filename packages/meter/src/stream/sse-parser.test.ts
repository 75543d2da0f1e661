import { describe, expect, it } from 'vitest'
import { fixtureText } from '../normalisers/__fixtures__/read-fixture.js'
import { type SseBlock, SseParser } from './sse-parser.js'

const encoder = new TextEncoder()

function parseInChunks(
  text: string,
  size: number,
  keepRaw = false,
): { blocks: SseBlock[]; rest: string } {
  const parser = new SseParser(keepRaw)
  const bytes = encoder.encode(text)
  const blocks: SseBlock[] = []
  for (let i = 0; i < bytes.length; i += size)
    blocks.push(...parser.push(bytes.subarray(i, i + size)))
  const end = parser.end()
  return { blocks: [...blocks, ...end.blocks], rest: end.rest }
}

describe('SseParser', () => {
  it('parses data and event fields, skipping comments', () => {
    const { blocks } = parseInChunks(
      ': OPENROUTER PROCESSING\n\nevent: ping\ndata: {"a":1}\n\ndata: [DONE]\n\n',
      1000,
    )
    expect(blocks.map(({ event, data }) => ({ event, data }))).toEqual([
      { event: 'ping', data: '{"a":1}' },
      { event: null, data: '[DONE]' },
    ])
  })

  it('gives the same events whatever the chunk boundaries, multi-byte characters included', () => {
    const text = fixtureText('anthropic-stream.sse').replace('Revenue', 'Umsatz €€ 收入')
    const whole = parseInChunks(text, 1 << 20).blocks
    expect(whole.length).toBe(13)
    for (const size of [1, 2, 3, 7, 64]) expect(parseInChunks(text, size).blocks).toEqual(whole)
  })

  it('accepts \\r\\n and lone \\r line endings, even split across chunks', () => {
    const text = 'data: one\r\n\r\ndata: two\r\rdata: a\r\ndata: b\n\n'
    for (const size of [1, 2, 5, 100]) {
      expect(parseInChunks(text, size).blocks.map((block) => block.data)).toEqual([
        'one',
        'two',
        'a\nb',
      ])
    }
  })

  it('keeps raw text so every block can be forwarded byte for byte', () => {
    const text = fixtureText('openrouter-stream.sse')
    for (const size of [1, 13, 4096]) {
      const { blocks, rest } = parseInChunks(text, size, true)
      expect(blocks.map((block) => block.raw).join('') + rest).toBe(text)
      expect(blocks[0]!.data).toBeNull() // the ": OPENROUTER PROCESSING" comment block
    }
  })

  it('dispatches a last block that lost its blank line, and returns unterminated raw text', () => {
    expect(
      parseInChunks('data: {"x":1}\n\ndata: tail', 4).blocks.map((block) => block.data),
    ).toEqual(['{"x":1}', 'tail'])
    const { blocks, rest } = parseInChunks('data: done\n\n: partial comm', 3, true)
    expect(blocks.map((block) => block.data)).toEqual(['done'])
    expect(rest).toBe(': partial comm')
  })

  it('strips exactly one space after the colon', () => {
    expect(parseInChunks('data:x\n\ndata:  y\n\n', 50).blocks.map((block) => block.data)).toEqual([
      'x',
      ' y',
    ])
  })
})
