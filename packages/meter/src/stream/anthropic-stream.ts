/**
 * Stream reader for Anthropic Messages. `message_start.message.usage` carries the input and cache
 * counts; each `message_delta.usage` is CUMULATIVE, so the latest value of each field replaces the
 * earlier one. Adding the deltas up is the trap this avoids: two deltas of 40 and 58 output tokens
 * mean 58, not 98. Content deltas after the first text are kept unparsed until counts are needed.
 */
import {
  CARRIED_TEXT,
  DeferredText,
  emptyFacts,
  errorTypeOf,
  parseEventData,
  type StreamAccumulator,
  stringField,
} from './stream-accumulator.js'

/** Reads `message_start`, `content_block_delta`, `message_delta` and `error` events. */
export function createAnthropicAccumulator(): StreamAccumulator {
  const facts = emptyFacts()
  const usage: Record<string, unknown> = {}
  let sawText = false

  function merge(latest: unknown): void {
    if (!latest || typeof latest !== 'object') return
    for (const [key, value] of Object.entries(latest))
      if (value !== null && value !== undefined) usage[key] = value
    facts.usage = usage
  }

  function contentDelta(parsed: Record<string, unknown>): number {
    const delta = parsed['delta'] as Record<string, unknown> | undefined
    const text = delta?.['text'] ?? delta?.['partial_json']
    if (typeof text === 'string' && text.length > 0) {
      facts.textChars += text.length
      return CARRIED_TEXT
    }
    const thinking = delta?.['thinking']
    if (typeof thinking === 'string' && thinking.length > 0) {
      facts.reasoningChars += thinking.length
      return CARRIED_TEXT
    }
    return 0
  }

  const deferred = new DeferredText((_event, data) => {
    const parsed = parseEventData(data)
    if (parsed) contentDelta(parsed)
  })
  facts.countDeferred = () => deferred.flush()

  return {
    add(event, data) {
      // The event name routes the block; Anthropic repeats it as `type` inside the data.
      if (event === 'content_block_delta' && sawText) {
        deferred.add(event, data)
        return 0
      }
      if (
        event !== null &&
        event !== 'message_start' &&
        event !== 'message_delta' &&
        event !== 'content_block_delta' &&
        event !== 'error'
      ) {
        return 0
      }
      const parsed = parseEventData(data)
      if (!parsed) return 0
      const type = stringField(parsed, 'type') ?? event
      switch (type) {
        case 'message_start': {
          const message = parsed['message'] as Record<string, unknown> | undefined
          facts.servedModel = stringField(message, 'model') ?? facts.servedModel
          facts.responseId ??= stringField(message, 'id')
          merge(message?.['usage'])
          facts.serviceTier = stringField(usage, 'service_tier') ?? facts.serviceTier
          return 0
        }
        case 'content_block_delta': {
          const verdict = contentDelta(parsed)
          if (verdict) sawText = true
          return verdict
        }
        case 'message_delta':
          merge(parsed['usage'])
          facts.finalUsage = true
          return 0
        case 'error':
          facts.errorType = errorTypeOf(parsed['error']) ?? 'stream_error'
          return 0
        default:
          return 0
      }
    },
    facts: () => facts,
    release: () => deferred.clear(),
  }
}
