/**
 * Streams a batch file as chunks of whole lines, with line numbers, so a 200 MB file never sits in
 * memory: at most one chunk plus one partial line is held at a time.
 *
 * Lines are split on `\n` bytes before decoding, which is safe in UTF-8 (the byte 0x0A never occurs
 * inside a multi-byte character). A chunk's bytes are its own copy, so it can be handed to a worker
 * thread without copying again.
 */
import { createReadStream } from 'node:fs'

/** Whole lines of a file. */
export interface LineChunk {
  /** Sequence number of the chunk, from 0. */
  index: number
  /** 1-based number of the chunk's first line. */
  firstLine: number
  /** Complete lines; each ends with `\n` except possibly the file's last line. */
  bytes: Uint8Array
  /** Bytes of the file consumed once this chunk is done (for progress). */
  endOffset: number
}

/** One decoded line. */
export interface NumberedLine {
  line: number
  text: string
}

/** Default target size of a chunk: big enough to amortise a worker round trip, small enough to stay flat. */
export const DEFAULT_CHUNK_BYTES = 512 * 1024

const NEWLINE = 0x0a

/**
 * Reads a file as chunks of whole lines.
 * @param chunkBytes target chunk size (a single longer line makes a longer chunk)
 */
export async function* readLineChunks(path: string, chunkBytes = DEFAULT_CHUNK_BYTES): AsyncGenerator<LineChunk> {
  let pending: Buffer = Buffer.alloc(0)
  let nextLine = 1
  let index = 0
  let consumed = 0
  for await (const data of createReadStream(path, { highWaterMark: chunkBytes })) {
    const buffer = pending.length === 0 ? (data as Buffer) : Buffer.concat([pending, data as Buffer])
    const last = buffer.lastIndexOf(NEWLINE)
    if (last < 0) {
      pending = buffer
      continue
    }
    const bytes = new Uint8Array(last + 1)
    bytes.set(buffer.subarray(0, last + 1))
    consumed += bytes.length
    yield { index: index++, firstLine: nextLine, bytes, endOffset: consumed }
    nextLine += countNewlines(bytes)
    pending = Buffer.from(buffer.subarray(last + 1))
  }
  if (pending.length > 0) {
    const bytes = new Uint8Array(pending.length)
    bytes.set(pending)
    consumed += bytes.length
    yield { index: index++, firstLine: nextLine, bytes, endOffset: consumed }
  }
}

function countNewlines(bytes: Uint8Array): number {
  let count = 0
  let at = bytes.indexOf(NEWLINE)
  while (at >= 0) {
    count++
    at = bytes.indexOf(NEWLINE, at + 1)
  }
  return count
}

/**
 * The lines of a chunk, decoded, without `\r\n` / `\n` and without a byte-order mark on line 1.
 * Blank lines are included (the caller decides to skip them).
 */
export function* linesOf(chunk: Pick<LineChunk, 'firstLine' | 'bytes'>): Generator<NumberedLine> {
  const bytes = Buffer.from(chunk.bytes.buffer, chunk.bytes.byteOffset, chunk.bytes.byteLength)
  let line = chunk.firstLine
  let start = 0
  while (start < bytes.length) {
    let end = bytes.indexOf(NEWLINE, start)
    const next = end < 0 ? bytes.length : end + 1
    if (end < 0) end = bytes.length
    if (end > start && bytes[end - 1] === 0x0d) end--
    let text = bytes.toString('utf8', start, end)
    if (line === 1 && text.charCodeAt(0) === 0xfeff) text = text.slice(1)
    yield { line, text }
    line++
    start = next
  }
}
