/**
 * Stream reader for Gemini `streamGenerateContent?alt=sse`: every chunk is a
 * GenerateContentResponse whose `usageMetadata` is cumulative, so the last one wins. Parts marked
 * `thought: true` are thinking text.
 */
import {
  CARRIED_TEXT,
  emptyFacts,
  errorTypeOf,
  parseEventData,
  type StreamAccumulator,
  stringField,
} from './stream-accumulator.js'

/** Reads Gemini stream chunks. */
export function createGeminiAccumulator(): StreamAccumulator {
  const facts = emptyFacts()
  return {
    add(_event, data) {
      const chunk = parseEventData(data)
      if (!chunk) return 0
      facts.servedModel = stringField(chunk, 'modelVersion') ?? facts.servedModel
      facts.responseId ??= stringField(chunk, 'responseId')
      if (chunk['usageMetadata'] && typeof chunk['usageMetadata'] === 'object') facts.usage = chunk['usageMetadata']
      if (chunk['error'] !== undefined) facts.errorType = errorTypeOf(chunk['error']) ?? 'stream_error'
      let verdict = 0
      const candidates = chunk['candidates']
      if (Array.isArray(candidates)) {
        for (const candidate of candidates) {
          const parts = (candidate as { content?: { parts?: unknown } } | null)?.content?.parts
          if (!Array.isArray(parts)) continue
          for (const part of parts as Array<Record<string, unknown> | null>) {
            const text = part?.['text']
            if (typeof text !== 'string' || text.length === 0) continue
            if (part?.['thought'] === true) facts.reasoningChars += text.length
            else facts.textChars += text.length
            verdict = CARRIED_TEXT
          }
          // Usage with a finish reason is the end-of-stream figure; earlier ones are partial.
          if ((candidate as { finishReason?: unknown } | null)?.finishReason) facts.finalUsage = facts.usage !== undefined
        }
      }
      return verdict
    },
    facts: () => facts,
  }
}
