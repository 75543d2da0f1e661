/**
 * Stream reader for the OpenAI-compatible family (OpenAI, DeepSeek, OpenRouter, TokenHub...):
 * chat-completion chunks and Responses API events. Parsed: every event until the first text (model,
 * id, time to first token), events with a `usage` object or an `error`; the rest is kept unparsed.
 */
import {
  type AccumulatorOptions,
  CARRIED_TEXT,
  DeferredText,
  DROP,
  emptyFacts,
  type StreamAccumulator,
} from './stream-accumulator.js'
import { parseJsonObject, stringField } from '../json-fields.js'
import { errorTypeOf } from '../payload-error-type.js'

const FINAL_RESPONSE_EVENTS = new Set([
  'response.completed',
  'response.incomplete',
  'response.failed',
])

/** Reads chat-completion chunks (`choices[].delta`) and Responses API events (`type: response.*`). */
export function createOpenAiAccumulator(options: AccumulatorOptions): StreamAccumulator {
  const facts = emptyFacts()
  let sawText = false

  function chatChunk(chunk: Record<string, unknown>): number {
    facts.servedModel = stringField(chunk, 'model') ?? facts.servedModel
    facts.upstreamProvider = stringField(chunk, 'provider') ?? facts.upstreamProvider
    facts.serviceTier = stringField(chunk, 'service_tier') ?? facts.serviceTier
    facts.responseId ??= stringField(chunk, 'id')
    let verdict = 0
    const choices = chunk['choices']
    if (Array.isArray(choices)) {
      for (const choice of choices) {
        const delta = (choice as Record<string, unknown> | null)?.['delta'] as
          Record<string, unknown> | null | undefined
        if (delta && typeof delta === 'object' && readDelta(delta)) verdict |= CARRIED_TEXT
      }
    }
    const usage = chunk['usage']
    if (usage && typeof usage === 'object') {
      facts.usage = usage
      facts.finalUsage = true
    }
    const error = chunk['error']
    if (error !== undefined && error !== null)
      facts.errorType = errorTypeOf(error) ?? 'stream_error'
    if (options.injectedUsage && isInjectedUsageChunk(chunk)) verdict |= DROP
    return verdict
  }

  function readDelta(delta: Record<string, unknown>): boolean {
    let text = 0
    let reasoning = 0
    if (typeof delta['content'] === 'string') text += delta['content'].length
    if (typeof delta['refusal'] === 'string') text += delta['refusal'].length
    // DeepSeek says reasoning_content, OpenRouter says reasoning.
    if (typeof delta['reasoning_content'] === 'string')
      reasoning += delta['reasoning_content'].length
    if (typeof delta['reasoning'] === 'string') reasoning += delta['reasoning'].length
    const toolCalls = delta['tool_calls']
    if (Array.isArray(toolCalls)) {
      for (const call of toolCalls) {
        const args = (call as { function?: { arguments?: unknown } } | null)?.function?.arguments
        if (typeof args === 'string') text += args.length
      }
    }
    facts.textChars += text
    facts.reasoningChars += reasoning
    return text + reasoning > 0
  }

  function responsesEvent(type: string, event: Record<string, unknown>): number {
    const delta = event['delta']
    if (typeof delta === 'string' && delta.length > 0) {
      if (type.startsWith('response.reasoning')) facts.reasoningChars += delta.length
      else if (type.endsWith('.delta')) facts.textChars += delta.length
      return type.endsWith('.delta') ? CARRIED_TEXT : 0
    }
    const response = event['response'] as Record<string, unknown> | undefined
    if (response && typeof response === 'object') {
      facts.servedModel = stringField(response, 'model') ?? facts.servedModel
      facts.serviceTier = stringField(response, 'service_tier') ?? facts.serviceTier
      facts.responseId ??= stringField(response, 'id')
      const usage = response['usage']
      if (usage && typeof usage === 'object') {
        facts.usage = usage
        facts.finalUsage = FINAL_RESPONSE_EVENTS.has(type)
      }
      if (type === 'response.failed')
        facts.errorType = errorTypeOf(response['error']) ?? 'response_failed'
    }
    // A Responses `error` event is { type: 'error', code, message }: its code names the error.
    if (type === 'error') facts.errorType = stringField(event, 'code') ?? 'stream_error'
    return 0
  }

  function read(data: string): number {
    const parsed = parseJsonObject(data)
    if (!parsed) return 0
    if (isResponsesEvent(parsed)) return responsesEvent(parsed['type'] as string, parsed)
    return chatChunk(parsed)
  }

  const deferred = new DeferredText((_event, data) => void read(data))
  facts.countDeferred = () => deferred.flush()
  let first = true

  return {
    add(_event, data) {
      if (data.charCodeAt(0) !== 123 /* '{': not [DONE] */) return 0
      // Parsed now: the first event (model, id), and any with a usage or response object or an error.
      if (first || INTERESTING.test(data)) {
        first = false
        const verdict = read(data)
        if (verdict & CARRIED_TEXT) sawText = true
        return verdict
      }
      deferred.add(null, data)
      // Until the first text, a cheap look tells whether this event carries some.
      if (!sawText && HAS_TEXT.test(data)) {
        sawText = true
        return CARRIED_TEXT
      }
      return 0
    },
    facts: () => facts,
    release: () => deferred.clear(),
    hides(data) {
      if (!options.injectedUsage || data.charCodeAt(0) !== 123) return false
      const parsed = parseJsonObject(data)
      return parsed !== undefined && !isResponsesEvent(parsed) && isInjectedUsageChunk(parsed)
    },
  }
}

/**
 * With include_usage the usage arrives in an extra chat chunk with no choice: a caller that did not
 * ask for it must not see it. Some hosts send that chunk with `usage: null` (their usage rode on
 * the last choice): hidden all the same. A chunk WITH a choice (DeepSeek's usage) is kept, and so
 * is one carrying an error.
 */
function isInjectedUsageChunk(chunk: Record<string, unknown>): boolean {
  const choices = chunk['choices']
  const error = chunk['error']
  return Array.isArray(choices) && choices.length === 0 && (error === undefined || error === null)
}

/** A Responses API event (`type: response.*` or `error`), not a chat chunk. */
function isResponsesEvent(event: Record<string, unknown>): boolean {
  const type = event['type']
  return typeof type === 'string' && (type.startsWith('response.') || type === 'error')
}

/** Events worth parsing as they come: usage, a Responses `response` object, an error, no choice. */
const INTERESTING = /"(?:usage|response)"\s*:\s*\{|"error"|"choices"\s*:\s*\[\s*\]/
/** A non-empty text field of a chat delta, or a Responses text delta. */
const HAS_TEXT = /"(?:content|reasoning_content|reasoning|refusal|arguments|delta)"\s*:\s*"[^"]/
