/**
 * The body a metered stream hands to the caller: the provider's bytes, passed through as they
 * arrive, read on the side by the SSE parser and a usage accumulator.
 *
 * It is pull-driven with no read-ahead (high-water mark 0), so "text seen" is text the caller
 * actually pulled. It ends exactly once, in one of three ways:
 * - `complete`: the provider closed the stream;
 * - `aborted`: the caller stopped reading (cancelled the body or aborted the request signal);
 * - `broken`: the connection failed mid-way (the caller gets the same error it would have got).
 * When the meter injected `include_usage`, the usage-only chunk it caused is dropped and every
 * other block is forwarded byte for byte; otherwise the provider's chunks go through untouched.
 */
import { SseParser, type SseBlock } from './sse-parser.js'
import { CARRIED_TEXT, DROP, type StreamAccumulator } from './stream-accumulator.js'

/** How a metered stream ended. */
export type StreamEnd = 'complete' | 'aborted' | 'broken'

/** Callbacks of a metered body. Both run at most once and must not throw. */
export interface MeteredBodyHooks {
  /** The first block that carried generated text went by (time to first token). */
  onFirstText(): void
  /** The stream ended; `error` is the read error or the abort reason. */
  onEnd(how: StreamEnd, error?: unknown): void
  /** The accumulator threw: metering of this stream stops, the caller's stream goes on. */
  onAccumulatorError(error: unknown): void
}

/** Options of `meterSseBody`. */
export interface MeteredBodyOptions {
  accumulator: StreamAccumulator
  /** Drop the blocks the accumulator marks DROP (needs raw re-emission of the others). */
  filter: boolean
  /** The request's abort signal: aborting it ends the stream as `aborted`. */
  signal?: AbortSignal | null | undefined
  hooks: MeteredBodyHooks
}

/** A handle to end a metered stream from outside (the meter's close()). */
export interface MeteredBody {
  body: ReadableStream<Uint8Array>
  /** Ends the metering as `aborted` if the stream is still running; the caller's stream is untouched. */
  abandon(reason: unknown): void
}

/** Wraps a provider's SSE body; see the module comment. */
export function meterSseBody(source: ReadableStream<Uint8Array>, options: MeteredBodyOptions): MeteredBody {
  const { accumulator, hooks, signal } = options
  const reader = source.getReader()
  const parser = new SseParser(options.filter)
  const encoder = options.filter ? new TextEncoder() : null
  let metering = true
  let sawText = false
  let ended = false

  const end = (how: StreamEnd, error?: unknown): void => {
    if (ended) return
    ended = true
    signal?.removeEventListener('abort', onAbort)
    hooks.onEnd(how, error)
  }
  const onAbort = (): void => end('aborted', signal?.reason)
  signal?.addEventListener('abort', onAbort, { once: true })

  /** Feeds blocks to the accumulator; returns the raw text to forward (filter mode). */
  const feed = (blocks: SseBlock[]): string => {
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
      if (verdict & CARRIED_TEXT && !sawText) {
        sawText = true
        hooks.onFirstText()
      }
      if (!(verdict & DROP)) out += block.raw
    }
    return out
  }

  const body = new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        // A pull that enqueues nothing is not called again by the stream machinery: keep reading
        // until something goes out (filter mode may hold a partial block or drop a whole chunk).
        for (;;) {
          let result: Awaited<ReturnType<typeof reader.read>>
          try {
            result = await reader.read()
          } catch (error) {
            end(signal?.aborted ? 'aborted' : 'broken', error)
            controller.error(error)
            return
          }
          if (result.done) {
            const { blocks, rest } = parser.end()
            const out = feed(blocks) + rest
            if (encoder && out) controller.enqueue(encoder.encode(out))
            end('complete')
            controller.close()
            return
          }
          const blocks = parser.push(result.value)
          if (!encoder) {
            feed(blocks)
            controller.enqueue(result.value)
            return
          }
          const out = feed(blocks)
          if (out) {
            controller.enqueue(encoder.encode(out))
            return
          }
        }
      },
      cancel(reason) {
        end('aborted', reason)
        return reader.cancel(reason)
      },
    },
    { highWaterMark: 0 },
  )
  return { body, abandon: (reason) => end('aborted', reason) }
}
