/**
 * Watches one streamed response body chunk by chunk and tells how it ended:
 * - `complete`: the provider closed the stream;
 * - `aborted`: the caller stopped reading (cancelled, broke out of its loop, aborted the request);
 * - `broken`: the connection failed mid-way (the caller gets the same error it would have got).
 *
 * On the caller's path it only keeps each chunk it hands over (a reference, no copy) and the time
 * it went by. The SSE events are parsed later by `analyse()`, off that path: the final usage, the
 * text seen, and the time of the first chunk that carried text (time to first token).
 *
 * Filter mode (the meter added `include_usage`): the `choices: []` chunk it caused must be dropped
 * before the caller sees it. Parsing every chunk on the caller's path to find it cost about twice
 * the rest of the meter, so instead each chunk is cut at its last blank line (an event split across
 * chunks is handed over whole, with the chunk that completes it: the same bytes, in the same order)
 * and searched natively for `"choices":[]`. Only the event holding that marker is parsed (and,
 * when the accumulator hides it, cut from the bytes the caller gets); the stream itself is still
 * read after its end. Without the accumulator's `hides`, a chunk holding the marker is parsed
 * whole, its events passed on byte for byte but the dropped one, and the rest as it goes.
 * A stream with CR line endings, or longer than MAX_KEPT_BYTES, is parsed as it goes too.
 */
import { type SseBlock, SseParser } from './sse-parser.js'
import { CARRIED_TEXT, DROP, type StreamAccumulator } from './stream-accumulator.js'

/** How a metered stream ended. */
export type StreamEnd = 'complete' | 'aborted' | 'broken'

/** Callbacks of an observer. Each runs at most once and must not throw. */
export interface StreamHooks {
  /** The stream ended; `error` is the read error or the abort reason. Keep it quick: it runs in the caller's read. */
  onEnd(how: StreamEnd, error?: unknown): void
  /** The accumulator threw: metering of this stream stops, the caller's stream goes on. */
  onAccumulatorError(error: unknown): void
}

/** Options of `createStreamObserver`. */
export interface StreamObserverOptions {
  /**
   * The stream's accumulator, asked for when first needed (most streams: only in analyse()); the
   * same one on every call.
   */
  accumulator: () => StreamAccumulator
  /** Drop the events the accumulator marks DROP (re-emitting the others). */
  filter: boolean
  /**
   * The request's abort signal: a read that fails after it aborted ends the stream as `aborted`.
   * (No listener is added: aborting makes fetch error the body, which the caller's next read sees;
   * a stream nobody reads again is recorded when the meter closes.)
   */
  signal?: AbortSignal | null | undefined
  hooks: StreamHooks
}

/** The observer of one stream. */
export interface StreamObserver {
  /** Notes a chunk the caller is about to get; returns what the caller gets (itself unless filtering). */
  chunk(value: Uint8Array): Uint8Array
  /** The source is done: returns bytes still held back (filter mode), and ends as `complete`. */
  done(): Uint8Array | null
  /** A read failed: ends as `broken` (or `aborted` when the request was aborted). */
  fail(error: unknown): void
  /** The caller stopped reading: ends as `aborted`. */
  abort(reason?: unknown): void
  /**
   * Parses what was kept (once) and returns when the first chunk with text went by
   * (`performance.now()`), or null. Call after the end, off the caller's path.
   */
  analyse(): number | null
  readonly ended: boolean
  /** Bytes of the body seen so far: a bound on what the observer keeps until analyse(). */
  readonly bytesSeen: number
}

/** Bytes of unparsed chunks a stream keeps before it parses as it goes (bounds memory per stream). */
const MAX_KEPT_BYTES = 4 << 20
const EMPTY = new Uint8Array(0)

/** What precedes `[]` in the chunk the meter asked for (compact and spaced JSON), as bytes. */
const NO_CHOICE = [Buffer.from('"choices":'), Buffer.from('"choices": ')]
const EMPTY_ARRAY = Buffer.from('[]')
const BLANK_LINE = Buffer.from('\n\n')
/** Stateless (encode() keeps nothing between calls): one for every stream. */
const ENCODER = new TextEncoder()

/**
 * Buffer's native searches (memchr, memmem) over any Uint8Array: no Buffer is made per chunk, and
 * a typed array's own indexOf is a plain loop, several times slower over a chunk.
 */
type Search = (this: Uint8Array, value: number | Uint8Array, from?: number) => number
const indexOfBytes = Buffer.prototype.indexOf as unknown as Search
const lastIndexOfBytes = Buffer.prototype.lastIndexOf as unknown as Search

/**
 * Where the next `"choices":[]` in `bytes[from, end)` is (the offset of its `[`), or -1: a native
 * search for `[]` (a chat chunk rarely has one), then a native compare of what precedes it (no
 * string made).
 */
function noChoiceAt(bytes: Uint8Array, from: number, end: number): number {
  for (
    let at = indexOfBytes.call(bytes, EMPTY_ARRAY, from);
    at !== -1 && at < end;
    at = indexOfBytes.call(bytes, EMPTY_ARRAY, at + 1)
  ) {
    for (const marker of NO_CHOICE) {
      const start = at - marker.length
      if (start >= 0 && marker.compare(bytes, start, at) === 0) return at
    }
  }
  return -1
}

/**
 * `events` (whole events) without those `hides` names: only the events holding the marker are
 * parsed, one each, and cut out byte for byte; the rest is not looked at.
 */
function withoutHidden(events: Uint8Array, hides: (data: string) => boolean): Uint8Array {
  const end = events.byteLength
  const parts: Uint8Array[] = []
  let from = 0
  for (let at = noChoiceAt(events, 0, end); at !== -1;) {
    const before = lastIndexOfBytes.call(events, BLANK_LINE, at)
    const start = before === -1 ? 0 : before + 2
    const after = indexOfBytes.call(events, BLANK_LINE, at)
    const stop = after === -1 ? end : after + 2
    const hidden = new SseParser()
      .push(events.subarray(start, stop))
      .some((block) => block.data !== null && hides(block.data))
    if (hidden) {
      if (start > from) parts.push(events.subarray(from, start))
      from = stop
    }
    at = noChoiceAt(events, stop, end)
  }
  if (from === 0) return events
  if (from < end) parts.push(events.subarray(from, end))
  return parts.length === 1 ? parts[0]! : Buffer.concat(parts)
}

/** The offset just past the last blank line ("\n\n") of `bytes`, or -1. */
function afterLastBlankLine(bytes: Uint8Array): number {
  for (let at = bytes.lastIndexOf(10 /* \n */); at > 0; at = bytes.lastIndexOf(10, at - 1)) {
    if (bytes[at - 1] === 10) return at + 1
  }
  return -1
}

/** Creates the observer of one stream; see the module comment. */
export function createStreamObserver(options: StreamObserverOptions): StreamObserver {
  return new ObservedStream(options)
}

/**
 * One stream's observer. A class rather than closures: it is made for every stream, on the
 * caller's path, and one object with fields costs less to make than a dozen closures.
 */
class ObservedStream implements StreamObserver {
  readonly #accumulator: () => StreamAccumulator
  readonly #hooks: StreamHooks
  readonly #signal: AbortSignal | null | undefined
  /** Made at first use: most streams are parsed only by analyse(), off the caller's path. */
  #sse: SseParser | null = null
  /** Filter mode's encoder (the one shared by every stream); null when not filtering. */
  readonly #encoder: typeof ENCODER | null
  /** Chunks handed over unparsed (whole events only, in filter mode); null once parsing as it goes. */
  #kept: Uint8Array[] | null = []
  #times: number[] = []
  #keptBytes = 0
  #bytesSeen = 0
  /** Filter mode: the bytes after a chunk's last blank line, handed over with the next chunk. */
  #held: Uint8Array | null = null
  #metering = true
  #firstTextAt: number | null = null
  #ended = false
  #analysed = false
  #dropped = 0

  constructor(options: StreamObserverOptions) {
    this.#accumulator = options.accumulator
    this.#hooks = options.hooks
    this.#signal = options.signal
    this.#encoder = options.filter ? ENCODER : null
  }

  get ended(): boolean {
    return this.#ended
  }

  get bytesSeen(): number {
    return this.#bytesSeen
  }

  #parser(): SseParser {
    return (this.#sse ??= new SseParser(this.#encoder !== null))
  }

  #end(how: StreamEnd, error?: unknown): void {
    if (this.#ended) return
    this.#ended = true
    this.#hooks.onEnd(how, error)
  }

  /** Feeds events to the accumulator; returns the raw text to forward (filter mode). */
  #feed(blocks: SseBlock[], at: number): string {
    let out = ''
    for (const block of blocks) {
      let verdict = 0
      if (this.#metering && block.data !== null) {
        try {
          verdict = this.#accumulator().add(block.event, block.data)
        } catch (error) {
          this.#metering = false
          this.#hooks.onAccumulatorError(error)
        }
      }
      if (verdict & CARRIED_TEXT && this.#firstTextAt === null) this.#firstTextAt = at
      if (verdict & DROP) this.#dropped++
      else out += block.raw
    }
    return out
  }

  /** Parses the kept chunks, then parses as it goes from now on. */
  #parseKept(): void {
    const kept = this.#kept
    if (!kept) return
    // In filter mode the kept chunks are whole events, already handed over: a parser that keeps no
    // raw text reads them, and the filtering parser starts clean at an event boundary.
    const reader = this.#encoder ? new SseParser() : this.#parser()
    for (let i = 0; i < kept.length; i++) this.#feed(reader.push(kept[i]!), this.#times[i]!)
    this.#kept = null
    this.#times = []
  }

  #keep(value: Uint8Array, at: number): void {
    this.#kept!.push(value)
    this.#times.push(at)
    this.#keptBytes += value.byteLength
    if (this.#keptBytes > MAX_KEPT_BYTES) this.#parseKept()
  }

  /** Parses a chunk as it goes; returns what the caller gets (filter mode drops marked events). */
  #parseChunk(value: Uint8Array, at: number): Uint8Array {
    const parser = this.#parser()
    const wasIdle = parser.idle
    const blocks = parser.push(value)
    if (!this.#encoder) {
      this.#feed(blocks, at)
      return value
    }
    const before = this.#dropped
    const out = this.#feed(blocks, at)
    // The usual case: the chunk held whole events and none was dropped, so it goes as it came.
    if (wasIdle && parser.idle && this.#dropped === before) return value
    return out ? this.#encoder.encode(out) : EMPTY
  }

  /** Filter mode while keeping: hands over whole events; parses only a chunk with the marker. */
  #scan(value: Uint8Array, at: number): Uint8Array {
    const chunk = this.#held ? concat(this.#held, value) : value
    this.#held = null
    if (indexOfBytes.call(chunk, 13 /* \r */) !== -1) {
      // CR line endings: a blank line is not always "\n\n" here; parse as it goes.
      this.#parseKept()
      return this.#parseChunk(chunk, at)
    }
    const whole = afterLastBlankLine(chunk)
    if (whole === -1) {
      this.#held = chunk === value ? value.slice() : chunk
      return EMPTY
    }
    const events = whole === chunk.byteLength ? chunk : chunk.subarray(0, whole)
    if (whole < chunk.byteLength) this.#held = chunk.slice(whole)
    if (noChoiceAt(chunk, 0, whole) !== -1) {
      const hides = this.#accumulator().hides
      if (!hides) {
        this.#parseKept()
        return this.#parseChunk(events, at)
      }
      // Read later, in order, like every other chunk (the cut event holds the usage).
      this.#keep(events, at)
      return withoutHidden(events, hides)
    }
    this.#keep(events, at)
    return events
  }

  chunk(value: Uint8Array): Uint8Array {
    if (this.#ended) return value
    const at = performance.now()
    this.#bytesSeen += value.byteLength
    if (this.#kept) {
      if (this.#encoder) return this.#scan(value, at)
      this.#keep(value, at)
      return value
    }
    if (this.#held) {
      value = concat(this.#held, value)
      this.#held = null
    }
    return this.#parseChunk(value, at)
  }

  done(): Uint8Array | null {
    if (this.#ended) return null
    let rest: Uint8Array | null = null
    if (this.#encoder && (!this.#kept || this.#held)) {
      // Release what was held back, through the parser (it may hold the marked event).
      this.#parseKept()
      const now = performance.now()
      let out = this.#held ? this.#feed(this.#parser().push(this.#held), now) : ''
      this.#held = null
      const { blocks, rest: text } = this.#parser().end()
      out += this.#feed(blocks, now) + text
      this.#analysed = true
      if (out) rest = this.#encoder.encode(out)
    }
    this.#end('complete')
    return rest
  }

  fail(error: unknown): void {
    this.#end(
      this.#signal?.aborted || (error instanceof Error && error.name === 'AbortError')
        ? 'aborted'
        : 'broken',
      error,
    )
  }

  abort(reason?: unknown): void {
    this.#end('aborted', reason)
  }

  analyse(): number | null {
    if (!this.#analysed) {
      this.#analysed = true
      this.#parseKept()
      this.#feed(this.#parser().end().blocks, performance.now())
    }
    return this.#firstTextAt
  }
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.byteLength + b.byteLength)
  out.set(a)
  out.set(b, a.byteLength)
  return out
}
