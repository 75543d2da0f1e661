/**
 * What the meter reads from a complete (non-streamed) JSON response body, per usage style: the raw
 * usage, the served model, the routed upstream, the service tier, the provider-reported cost, and
 * for error bodies the error type.
 */
import type { UsageStyle } from '@tokenledger/pricing'
import { asRecord } from './normalisers/normalise-usage.js'
import {
  emptyFacts,
  errorTypeOf,
  type StreamFacts,
  stringField,
} from './stream/stream-accumulator.js'

/** Facts of a JSON response; the same shape a stream accumulates, so both share one record path. */
export type ResponseFacts = StreamFacts

/** Reads a parsed JSON response body. Gemini's JSON array (a non-SSE stream) takes its last element. */
export function readResponseBody(style: UsageStyle, parsed: unknown): ResponseFacts {
  const facts = emptyFacts()
  const body = asRecord(Array.isArray(parsed) ? parsed.at(-1) : parsed)
  if (!body) return facts
  switch (style) {
    case 'anthropic': {
      facts.usage = body['usage']
      facts.servedModel = stringField(body, 'model')
      facts.responseId = stringField(body, 'id')
      facts.serviceTier = stringField(asRecord(body['usage']), 'service_tier')
      facts.answer = body['content']
      break
    }
    case 'gemini': {
      facts.usage = body['usageMetadata']
      facts.servedModel = stringField(body, 'modelVersion')
      facts.responseId = stringField(body, 'responseId')
      facts.answer = body['candidates']
      break
    }
    case 'openai':
    case 'deepseek':
    case 'openrouter': {
      facts.usage = body['usage']
      facts.servedModel = stringField(body, 'model')
      facts.upstreamProvider = stringField(body, 'provider')
      facts.serviceTier = stringField(body, 'service_tier')
      facts.responseId = stringField(body, 'id')
      facts.answer = body['choices'] ?? body['output']
      break
    }
    default:
      style satisfies never
  }
  facts.finalUsage = facts.usage !== undefined && facts.usage !== null
  if (body['error'] !== undefined && body['error'] !== null)
    facts.errorType = errorTypeOf(body['error'])
  return facts
}

/** The error type named by an error response body, or null (the caller falls back to `http_<status>`). */
export function readErrorType(parsed: unknown): string | null {
  const body = asRecord(Array.isArray(parsed) ? parsed[0] : parsed)
  if (!body) return null
  return errorTypeOf(body['error'])
}
