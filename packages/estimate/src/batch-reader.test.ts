import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { linesOf, readLineChunks } from './batch-reader.js'

const dir = mkdtempSync(join(tmpdir(), 'tokenledger-reader-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

async function readAll(content: string | Buffer, chunkBytes: number, copy = true) {
  const path = join(dir, `f-${Math.random().toString(36).slice(2)}.jsonl`)
  writeFileSync(path, content)
  const lines: Array<{ line: number; text: string }> = []
  const offsets: number[] = []
  for await (const chunk of readLineChunks(path, chunkBytes, copy)) {
    for (const line of linesOf(chunk)) lines.push(line)
    offsets.push(chunk.endOffset)
  }
  return { lines, offsets }
}

describe('readLineChunks + linesOf', () => {
  it('numbers lines across chunk boundaries, whatever the chunk size', async () => {
    const content =
      Array.from({ length: 50 }, (_, i) => `{"n":${i},"pad":"${'x'.repeat(i % 7)}"}`).join('\n') +
      '\n'
    for (const chunkBytes of [1, 3, 16, 100, 1 << 16]) {
      for (const copy of [true, false]) {
        const { lines, offsets } = await readAll(content, chunkBytes, copy)
        expect(lines).toHaveLength(50)
        lines.forEach(({ line, text }, i) => {
          expect(line).toBe(i + 1)
          expect(JSON.parse(text)).toMatchObject({ n: i })
        })
        expect(offsets.at(-1)).toBe(Buffer.byteLength(content))
      }
    }
  })

  it('handles CRLF, a byte-order mark, blank lines and a last line without newline', async () => {
    const { lines } = await readAll('\uFEFF{"a":1}\r\n\r\n{"b":2}\n{"c":3}', 4)
    expect(lines).toEqual([
      { line: 1, text: '{"a":1}' },
      { line: 2, text: '' },
      { line: 3, text: '{"b":2}' },
      { line: 4, text: '{"c":3}' },
    ])
  })

  it('keeps multi-byte characters whole when a chunk boundary falls inside them', async () => {
    const text = '日本語🙂テキスト'.repeat(20)
    const { lines } = await readAll(`${text}\n${text}\n`, 5)
    expect(lines.map((l) => l.text)).toEqual([text, text])
  })

  it('grows past the chunk size for a single long line', async () => {
    const long = 'y'.repeat(100_000)
    const { lines } = await readAll(`short\n${long}\nend\n`, 1024)
    expect(lines.map((l) => l.text.length)).toEqual([5, 100_000, 3])
    expect(lines.map((l) => l.line)).toEqual([1, 2, 3])
  })

  it('reads an empty file as no lines', async () => {
    expect((await readAll('', 64)).lines).toEqual([])
  })
})
