/**
 * Stream reader for Anthropic Messages. `message_start.message.usage` carries the input and cache
 * counts; each `message_delta.usage` is CUMULATIVE, so the latest value of each field replaces the
 * earlier one. Adding the deltas up is the trap this avoids: two deltas of 40 and 58 output tokens
 * mean 58, not 98.
 */
import {
  CARRIED_TEXT,
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

  function merge(latest: unknown): void {
    if (!latest || typeof latest !== 'object') return
    for (const [key, value] of Object.entries(latest)) if (value !== null && value !== undefined) usage[key] = value
    facts.usage = usage
  }

  return {
    add(event, data) {
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
  }
}
