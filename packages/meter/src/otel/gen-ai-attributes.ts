/**
 * A ledger record in the words of the OpenTelemetry GenAI semantic conventions: the span name and
 * attributes of one call, and the attributes its metrics are recorded with. Pure: no OpenTelemetry
 * import, so the proxy and tests can use it as it is.
 *
 * The conventions have no cost attribute; tokenledger's own live under `tokenledger.*`. The cost
 * is the exact decimal string of the ledger (an attribute may be a string; a number would round).
 */
import type { CallRecord } from '@tokenledger/store'

/** Attribute values as OpenTelemetry accepts them (declared here: the API is an optional peer). */
export type AttributeValue = string | number | boolean
/** A flat attribute map. */
export type GenAiAttributes = Record<string, AttributeValue>

/** `gen_ai.provider.name` for the providers the conventions name; others keep tokenledger's id. */
const PROVIDER_NAMES: Readonly<Record<string, string>> = {
  openai: 'openai',
  anthropic: 'anthropic',
  google: 'gcp.gemini',
  deepseek: 'deepseek',
}

/** `gen_ai.operation.name` of an endpoint. */
export function operationName(endpoint: string): string {
  switch (endpoint) {
    case '/completions':
      return 'text_completion'
    case '/embeddings':
      return 'embeddings'
    case ':generateContent':
    case ':streamGenerateContent':
      return 'generate_content'
    default:
      // /chat/completions, /responses, Anthropic's /messages
      return 'chat'
  }
}

/** `gen_ai.provider.name` of a tokenledger provider id. */
export function providerName(provider: string): string {
  return PROVIDER_NAMES[provider] ?? provider
}

/** The span name the conventions give a call: `{operation} {request model}`. */
export function spanName(record: CallRecord): string {
  const operation = operationName(record.endpoint)
  return record.requestedModel ? `${operation} ${record.requestedModel}` : operation
}

/** The attributes every metric of a call carries (low cardinality: no ids, no counts). */
export function metricAttributes(record: CallRecord): GenAiAttributes {
  const attributes: GenAiAttributes = {
    'gen_ai.operation.name': operationName(record.endpoint),
    'gen_ai.provider.name': providerName(record.provider),
  }
  if (record.requestedModel) attributes['gen_ai.request.model'] = record.requestedModel
  if (record.servedModel) attributes['gen_ai.response.model'] = record.servedModel
  if (record.status !== 'ok') attributes['error.type'] = record.errorType ?? record.status
  return attributes
}

/**
 * The span attributes of a call: the conventions' request, response and usage attributes, then
 * tokenledger's cost (exact decimal USD, absent when unpriced), card and call id. `responseId` is
 * the id the provider gave the completion (`chatcmpl-...`, `msg_...`); the ledger's `requestId` is
 * the HTTP request id, a different thing, kept as `tokenledger.request.id`.
 * Token counts follow the conventions: `gen_ai.usage.input_tokens` includes cached tokens, cache
 * reads and writes are given apart, reasoning tokens are part of the output.
 */
export function spanAttributes(
  record: CallRecord,
  responseId: string | null = null,
): GenAiAttributes {
  const { usage } = record
  const attributes = metricAttributes(record)
  if (responseId) attributes['gen_ai.response.id'] = responseId
  attributes['gen_ai.usage.input_tokens'] = usage.inputTokens
  attributes['gen_ai.usage.output_tokens'] = usage.outputTokens
  attributes['gen_ai.usage.cache_read.input_tokens'] = usage.cacheReadTokens
  attributes['gen_ai.usage.cache_creation.input_tokens'] = usage.cacheWriteTokens
  attributes['gen_ai.usage.reasoning.output_tokens'] = usage.reasoningTokens
  attributes['tokenledger.call.id'] = record.id
  attributes['tokenledger.call.status'] = record.status
  if (record.requestId) attributes['tokenledger.request.id'] = record.requestId
  attributes['tokenledger.priced'] = record.cost !== null
  if (record.cost !== null) attributes['tokenledger.cost.usd'] = record.cost
  if (record.reportedCost !== null)
    attributes['tokenledger.reported_cost.usd'] = record.reportedCost
  if (record.card !== null) attributes['tokenledger.card'] = record.card
  if (record.model !== null) attributes['tokenledger.model'] = record.model
  if (record.upstreamProvider !== null)
    attributes['tokenledger.upstream_provider'] = record.upstreamProvider
  const estimated = (Object.keys(usage.provenance) as Array<keyof typeof usage.provenance>).filter(
    (field) => usage.provenance[field] === 'estimated',
  )
  if (estimated.length > 0) attributes['tokenledger.usage.estimated'] = estimated.join(',')
  return attributes
}
