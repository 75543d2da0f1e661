/**
 * Watches one streamed response body chunk by chunk and tells how it ended:
 * - `complete`: the provider closed the stream;
 * - `aborted`: the caller stopped reading (cancelled, broke out of its loop, aborted the request);
 * - `broken`: the connection failed mid-way (the caller gets the same error it would have got).
 *
 * On the caller's path it only keeps each chunk it hands over (a reference, no copy) and the time
 * it went by. The SSE events are parsed later by `analyse()`, off that path: the final usage, the
 * text seen, and the time of the first chunk that carried text (time to first token). Two cases
 * parse as the chunks go instead:
 * - filter mode (the meter added `include_usage`): the usage-only chunk it caused must be dropped
 *   before the caller sees it, so each chunk is parsed and every other event passed on byte for
 *   byte;
 * - a stream longer than MAX_KEPT_BYTES stops keeping chunks and parses the rest as it goes.
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
  accumulator: StreamAccumulator
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
}

/** Bytes of unparsed chunks a stream keeps before it parses as it goes (bounds memory per stream). */
const MAX_KEPT_BYTES = 4 << 20
const EMPTY = new Uint8Array(0)

/** Creates the observer of one stream; see the module comment. */
export function createStreamObserver(options: StreamObserverOptions): StreamObserver {
  const { accumulator, hooks, signal, filter } = options
  const parser = new SseParser(filter)
  const encoder = filter ? new TextEncoder() : null
  let kept: Uint8Array[] | null = filter ? null : []
  let times: number[] = []
  let keptBytes = 0
  let metering = true
  let firstTextAt: number | null = null
  let ended = false
  let analysed = false
  let dropped = 0

  const end = (how: StreamEnd, error?: unknown): void => {
    if (ended) return
    ended = true
    hooks.onEnd(how, error)
  }

  /** Feeds events to the accumulator; returns the raw text to forward (filter mode). */
  const feed = (blocks: SseBlock[], at: number): string => {
    let out = ''
    for (const block of blocks) {
      let verdict = 0
      if (metering && block.data !== null) {
        try {
          verdict = accumulator.add(block.event, block.data)
        } catch (error) {
          metering = false
          hooks.onAccumulatorError(error)
        }
      }
      if (verdict & CARRIED_TEXT && firstTextAt === null) firstTextAt = at
      if (verdict & DROP) dropped++
      else out += block.raw
    }
    return out
  }

  /** Parses the kept chunks, then parses as it goes from now on. */
  const parseKept = (): void => {
    if (!kept) return
    for (let i = 0; i < kept.length; i++) feed(parser.push(kept[i]!), times[i]!)
    kept = null
    times = []
  }

  return {
    chunk(value) {
      if (ended) return value
      const at = performance.now()
      if (kept) {
        kept.push(value)
        times.push(at)
        keptBytes += value.byteLength
        if (keptBytes > MAX_KEPT_BYTES) parseKept()
        return value
      }
      const wasIdle = parser.idle
      const blocks = parser.push(value)
      if (!encoder) {
        feed(blocks, at)
        return value
      }
      const before = dropped
      const out = feed(blocks, at)
      // The usual case: the chunk held whole events and none was dropped, so it goes as it came.
      if (wasIdle && parser.idle && dropped === before) return value
      return out ? encoder.encode(out) : EMPTY
    },
    done() {
      if (ended) return null
      let rest: Uint8Array | null = null
      if (encoder) {
        // Filter mode parses as it goes: release what the parser held back.
        const { blocks, rest: text } = parser.end()
        const out = feed(blocks, performance.now()) + text
        analysed = true
        if (out) rest = encoder.encode(out)
      }
      end('complete')
      return rest
    },
    fail(error) {
      end(signal?.aborted || (error instanceof Error && error.name === 'AbortError') ? 'aborted' : 'broken', error)
    },
    abort(reason) {
      end('aborted', reason)
    },
    analyse() {
      if (!analysed) {
        analysed = true
        parseKept()
        feed(parser.end().blocks, performance.now())
      }
      return firstTextAt
    },
    get ended() {
      return ended
    },
  }
}
