/**
 * Stream reader for Gemini `streamGenerateContent?alt=sse`: every chunk is a
 * GenerateContentResponse whose `usageMetadata` is cumulative, so the last one wins: it is parsed
 * when the facts are read, and only chunks up to the first text are parsed as they arrive. Parts
 * marked `thought: true` are thinking text.
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

/** Reads Gemini stream chunks. */
export function createGeminiAccumulator(): StreamAccumulator {
  const facts = emptyFacts()
  let sawText = false
  let last: string | null = null
  let lastRead = true

  /** Reads a chunk: its usage (`takeUsage`, in stream order only) and/or its text (`countText`). */
  function read(chunk: Record<string, unknown>, countText: boolean, takeUsage: boolean): number {
    facts.servedModel ??= stringField(chunk, 'modelVersion')
    facts.responseId ??= stringField(chunk, 'responseId')
    if (chunk['error'] !== undefined)
      facts.errorType = errorTypeOf(chunk['error']) ?? 'stream_error'
    const candidates = chunk['candidates']
    if (takeUsage) {
      if (chunk['usageMetadata'] && typeof chunk['usageMetadata'] === 'object')
        facts.usage = chunk['usageMetadata']
      // Usage with a finish reason is the end-of-stream figure; earlier ones are partial.
      facts.finalUsage =
        facts.usage !== undefined &&
        Array.isArray(candidates) &&
        candidates.some((candidate) =>
          Boolean((candidate as { finishReason?: unknown } | null)?.finishReason),
        )
    }
    let verdict = 0
    if (!countText || !Array.isArray(candidates)) return 0
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
    }
    return verdict
  }

  const deferred = new DeferredText((_event, data) => {
    const chunk = parseEventData(data)
    if (chunk) read(chunk, true, false)
  })
  facts.countDeferred = () => deferred.flush()

  function settleLast(): void {
    if (lastRead || last === null) return
    lastRead = true
    const chunk = parseEventData(last)
    if (chunk) read(chunk, false, true)
  }

  return {
    add(_event, data) {
      if (!sawText || data.includes('"error"')) {
        const chunk = parseEventData(data)
        if (!chunk) return 0
        const verdict = read(chunk, true, true)
        if (verdict) sawText = true
        last = data
        lastRead = true
        return verdict
      }
      deferred.add(null, data)
      last = data
      lastRead = false
      return 0
    },
    facts() {
      settleLast()
      return facts
    },
    release: () => deferred.clear(),
  }
}
