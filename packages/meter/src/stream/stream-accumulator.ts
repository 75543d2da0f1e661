/**
 * What the meter learns from a streamed response, event by event: the final usage (each style
 * delivers it differently), the served model, and how much text went by (for estimates when the
 * stream stops early).
 *
 * Cheap by design, since the SDK parses every event already: an accumulator parses only the events
 * that matter (the first ones, until text shows up; those carrying usage or an error). The other
 * events are kept as raw text and measured only if an estimate is ever needed
 * (`StreamFacts.countDeferred`), which a complete stream with its usage never does.
 *
 * Final usage per style:
 * - OpenAI: a separate last chunk with `choices: []` and `usage` (only when the request asked for
 *   `stream_options.include_usage`; every other chunk has `usage: null`);
 * - DeepSeek: `usage` rides on the last chunk that still has a choice (`finish_reason: "stop"`);
 * - OpenRouter: always sent, in the last message;
 * - Responses API: inside `response` of `response.completed` / `.incomplete` / `.failed`;
 * - Anthropic: `message_start` then CUMULATIVE `message_delta` usages: the latest value of each
 *   field wins, never a sum;
 * - Gemini: every chunk carries the cumulative `usageMetadata`: the last one wins.
 */
import type { UsageStyle } from '@tokenledger/pricing'
import { createAnthropicAccumulator } from './anthropic-stream.js'
import { createGeminiAccumulator } from './gemini-stream.js'
import { createOpenAiAccumulator } from './openai-stream.js'

/** Facts gathered from a stream so far. */
export interface StreamFacts {
  /** The latest (or merged, for Anthropic) raw usage object; undefined until one arrives. */
  usage: unknown
  /** True once the style's end-of-stream usage has arrived (not just a partial count). */
  finalUsage: boolean
  servedModel: string | null
  upstreamProvider: string | null
  serviceTier: string | null
  responseId: string | null
  /** Characters of generated answer text seen (content, tool-call arguments, refusals). */
  textChars: number
  /**
   * For a JSON response: the part of the body holding the answer, measured only if an estimate is
   * needed (then it replaces `textChars`).
   */
  answer?: unknown
  /** Characters of reasoning / thinking text seen. */
  reasoningChars: number
  /** The type of an error event inside the stream, when one came. */
  errorType: string | null
  /** Measures the events kept unparsed, adding to `textChars` / `reasoningChars` (idempotent). */
  countDeferred?: () => void
}

/** Bits of `StreamAccumulator.add`'s verdict. */
export const CARRIED_TEXT = 1
/** The block is the usage-only chunk the meter asked for on the caller's behalf: drop it. */
export const DROP = 2

/** Reads a stream's events for one usage style. */
export interface StreamAccumulator {
  /**
   * Reads one event's data (already split by the SSE parser). Returns a bit set:
   * `CARRIED_TEXT` when it carried generated text, `DROP` when the caller must not see it.
   */
  add(event: string | null, data: string): number
  /** Everything learned so far. */
  facts(): StreamFacts
  /** Drops the events kept for measuring: call when the stream ended with its final usage. */
  release(): void
  /**
   * Whether `add` would mark this event's data DROP, without reading it into the facts: lets a
   * filtering observer cut the event from the caller's bytes now and read the stream later.
   * Absent for styles whose events are never dropped.
   */
  hides?(data: string): boolean
}

/** Options of a stream accumulator. */
export interface AccumulatorOptions {
  /** The meter added `stream_options.include_usage`: drop the usage-only chunk it produces. */
  injectedUsage: boolean
}

/** A fresh StreamFacts. */
export function emptyFacts(): StreamFacts {
  return {
    usage: undefined,
    finalUsage: false,
    servedModel: null,
    upstreamProvider: null,
    serviceTier: null,
    responseId: null,
    textChars: 0,
    reasoningChars: 0,
    errorType: null,
  }
}

/** The accumulator for a usage style. */
export function createStreamAccumulator(
  style: UsageStyle,
  options: AccumulatorOptions,
): StreamAccumulator {
  switch (style) {
    case 'anthropic':
      return createAnthropicAccumulator()
    case 'gemini':
      return createGeminiAccumulator()
    case 'openai':
    case 'deepseek':
    case 'openrouter':
      return createOpenAiAccumulator(options)
    default:
      return style satisfies never
  }
}

/** Most characters of unparsed event data a stream keeps for later measuring; beyond, it measures at once. */
const MAX_DEFERRED_CHARS = 1 << 20

/**
 * Event data kept unparsed until text counts are needed. `measure` parses one event and adds its
 * text to the facts; it runs for each kept event on `flush()`, or at once beyond the bound.
 */
export class DeferredText {
  readonly #measure: (event: string | null, data: string) => void
  #events: Array<string | null> = []
  #data: string[] = []
  #chars = 0

  constructor(measure: (event: string | null, data: string) => void) {
    this.#measure = measure
  }

  add(event: string | null, data: string): void {
    if (this.#chars + data.length > MAX_DEFERRED_CHARS) {
      this.#measure(event, data)
      return
    }
    this.#events.push(event)
    this.#data.push(data)
    this.#chars += data.length
  }

  /** Forgets the kept events (the stream ended with its usage: no estimate will need them). */
  clear(): void {
    this.#events = []
    this.#data = []
    this.#chars = 0
  }

  /** Measures every kept event, once. */
  flush(): void {
    for (let i = 0; i < this.#data.length; i++) this.#measure(this.#events[i]!, this.#data[i]!)
    this.#events = []
    this.#data = []
    this.#chars = 0
  }
}
