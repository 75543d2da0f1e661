/**
 * Streams a batch file as chunks of whole lines, with line numbers, so a 200 MB file never sits in
 * memory: at most one chunk plus one partial line is held at a time (plus the chunks in flight to
 * worker threads, which the pool bounds).
 *
 * Lines are split on `\n` bytes before decoding, which is safe in UTF-8 (the byte 0x0A never occurs
 * inside a multi-byte character).
 */
import { open } from 'node:fs/promises'

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
  /** The line's bytes are not valid UTF-8 (`text` then holds U+FFFD in their place). */
  invalidUtf8?: true
}

// Decoding with `fatal` finds invalid UTF-8; Buffer#toString would replace it silently.
const STRICT_UTF8 = new TextDecoder('utf-8', { fatal: true })

/** Default target size of a chunk: big enough to amortise a worker round trip, small enough to stay flat. */
export const DEFAULT_CHUNK_BYTES = 512 * 1024

const NEWLINE = 0x0a

/**
 * Reads a file as chunks of whole lines, through one reusable buffer (no allocation per read, so
 * memory does not depend on the file's size).
 * @param chunkBytes target chunk size (a single longer line makes the buffer grow to hold it)
 * @param copy give each chunk its own bytes (true, default: needed to hand them to a worker); false
 *   yields a view of the reading buffer, valid only until the next chunk is asked for
 */
export async function* readLineChunks(
  path: string,
  chunkBytes = DEFAULT_CHUNK_BYTES,
  copy = true,
): AsyncGenerator<LineChunk> {
  const handle = await open(path, 'r')
  try {
    let buffer = Buffer.allocUnsafe(chunkBytes)
    let filled = 0
    let position = 0
    let nextLine = 1
    let index = 0
    while (true) {
      if (filled === buffer.length) {
        const larger = Buffer.allocUnsafe(buffer.length * 2)
        buffer.copy(larger, 0, 0, filled)
        buffer = larger
      }
      const { bytesRead } = await handle.read(buffer, filled, buffer.length - filled, position)
      position += bytesRead
      const end = filled + bytesRead
      if (bytesRead === 0) {
        // The last line has no newline.
        if (filled > 0)
          yield {
            index,
            firstLine: nextLine,
            bytes: copy ? Uint8Array.from(buffer.subarray(0, filled)) : buffer.subarray(0, filled),
            endOffset: position,
          }
        return
      }
      const last = end > 0 ? buffer.lastIndexOf(NEWLINE, end - 1) : -1
      if (last < 0) {
        filled = end
        continue
      }
      const lines = buffer.subarray(0, last + 1)
      const firstLine = nextLine
      // Counted before yielding: the consumer may transfer the bytes to a worker (detaching them).
      nextLine += countNewlines(lines)
      yield {
        index: index++,
        firstLine,
        bytes: copy ? Uint8Array.from(lines) : lines,
        endOffset: position - (end - last - 1),
      }
      // The partial line after the last newline moves to the front, and reading continues after it.
      buffer.copy(buffer, 0, last + 1, end)
      filled = end - last - 1
    }
  } finally {
    await handle.close()
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
    let valid = true
    // Only a line that decoded to a replacement character can be invalid: check those strictly.
    if (text.includes('\uFFFD')) {
      try {
        STRICT_UTF8.decode(bytes.subarray(start, end))
      } catch {
        valid = false
      }
    }
    yield valid ? { line, text } : { line, text, invalidUtf8: true }
    line++
    start = next
  }
}
