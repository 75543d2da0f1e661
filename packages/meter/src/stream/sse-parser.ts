/**
 * An incremental Server-Sent Events parser: bytes in, complete event blocks out, as they arrive.
 *
 * It follows the SSE line rules (`\n`, `\r\n` or `\r` end a line, a blank line ends a block,
 * `:` starts a comment, `data:` lines join with `\n`) and can keep each block's raw text, so a
 * caller that must drop one block (the usage-only chunk the meter asked for) can pass every other
 * block on byte for byte.
 */
import { StringDecoder } from 'node:string_decoder'

/** One block of the stream, ended by a blank line. */
export interface SseBlock {
  /** The `event:` field, or null (the default "message" event). */
  event: string | null
  /** The joined `data:` lines, or null when the block has none (a comment or keep-alive). */
  data: string | null
  /** The block's text as received, blank line included; '' unless `keepRaw` was asked. */
  raw: string
}

/** Parses an SSE byte stream chunk by chunk. */
export class SseParser {
  // StringDecoder carries a character split across chunks like TextDecoder's stream mode, at a
  // fraction of its cost per stream.
  readonly #decoder = new StringDecoder('utf8')
  readonly #keepRaw: boolean
  #pending = ''
  #event: string | null = null
  #data: string[] = []
  #raw = ''

  /** @param keepRaw keep each block's raw text in `SseBlock.raw` (default false). */
  constructor(keepRaw = false) {
    this.#keepRaw = keepRaw
  }

  /** Feeds a chunk of bytes; returns the blocks it completed. */
  push(chunk: Uint8Array): SseBlock[] {
    return this.pushText(this.#decoder.write(chunk))
  }

  /** Feeds decoded text; returns the blocks it completed. */
  pushText(text: string): SseBlock[] {
    const blocks: SseBlock[] = []
    const buffer = this.#pending === '' ? text : this.#pending + text
    let start = 0
    // Positions of the next \r and \n, searched again only once passed: one scan per chunk.
    let cr = buffer.indexOf('\r')
    let lf = buffer.indexOf('\n')
    for (;;) {
      if (cr !== -1 && cr < start) cr = buffer.indexOf('\r', start)
      if (lf !== -1 && lf < start) lf = buffer.indexOf('\n', start)
      if (cr === -1 && lf === -1) break
      let end: number
      let next: number
      if (cr !== -1 && (lf === -1 || cr < lf)) {
        // A trailing \r may be the first half of \r\n: wait for the next chunk to tell.
        if (cr === buffer.length - 1) break
        end = cr
        next = buffer.charCodeAt(cr + 1) === 10 ? cr + 2 : cr + 1
      } else {
        end = lf
        next = lf + 1
      }
      const block = this.#line(buffer, start, end, next)
      if (block) blocks.push(block)
      start = next
    }
    this.#pending = start === 0 ? buffer : buffer.slice(start)
    return blocks
  }

  /** True when no partial line or block is held: everything fed so far formed whole blocks. */
  get idle(): boolean {
    return (
      this.#pending === '' && this.#raw === '' && this.#data.length === 0 && this.#event === null
    )
  }

  /**
   * Ends the stream. A last block that lost its closing blank line is still dispatched (lenient),
   * and `rest` holds raw text that never formed a block (with `keepRaw`), so a pass-through can
   * forward it unchanged.
   */
  end(): { blocks: SseBlock[]; rest: string } {
    // pushText consumed every complete line, so what is left is at most one unterminated line.
    const tail = this.#pending + this.#decoder.end()
    this.#pending = ''
    const raw = this.#keepRaw ? this.#raw + tail : ''
    const line = tail.endsWith('\r') ? tail.slice(0, -1) : tail
    if (line !== '') this.#field(line)
    const blocks: SseBlock[] = []
    let rest = raw
    if (this.#data.length > 0) {
      blocks.push({ event: this.#event, data: this.#data.join('\n'), raw })
      rest = ''
    }
    this.#reset()
    return { blocks, rest }
  }

  #line(buffer: string, start: number, end: number, next: number): SseBlock | null {
    if (this.#keepRaw) this.#raw += buffer.slice(start, next)
    if (end > start) {
      this.#field(buffer.slice(start, end))
      return null
    }
    // Without raw text to forward, a block of nothing but comments is of no interest.
    if (this.#data.length === 0 && this.#event === null && !this.#keepRaw) return null
    const block: SseBlock = {
      event: this.#event,
      data:
        this.#data.length === 0
          ? null
          : this.#data.length === 1
            ? this.#data[0]!
            : this.#data.join('\n'),
      raw: this.#raw,
    }
    this.#reset()
    return block
  }

  #field(line: string): void {
    if (line.charCodeAt(0) === 58 /* ':' comment */) return
    const colon = line.indexOf(':')
    const field = colon === -1 ? line : line.slice(0, colon)
    let value = colon === -1 ? '' : line.slice(colon + 1)
    if (value.charCodeAt(0) === 32 /* one leading space is part of the syntax */)
      value = value.slice(1)
    if (field === 'data') this.#data.push(value)
    else if (field === 'event') this.#event = value
  }

  #reset(): void {
    this.#event = null
    this.#data = []
    this.#raw = ''
  }
}
