/**
 * @module @tokenledger/meter: meter every LLM call. `createMeter()` gives a metered `fetch` for any
 * SDK and `meter.wrap()` for the `openai` client; each call lands in the ledger with its normalised
 * usage (per-field provenance), exact cost, card, reported cost, latency and tags.
 */
export { createMeter } from './create-meter.js'
export type { Meter, MeterOptions, MeterStats, WrapOptions } from './create-meter.js'
export type { MeterBudgets, MeterBudgetsConfig } from './budget-hook.js'
export { checkTags } from './tags.js'
export type { MeterErrorContext, OnMeterError, QueueStats } from './record-queue.js'
export type { WrappableClient } from './wrap-client.js'
export type { FetchInput, FetchLike } from './read-request.js'
export type { MeteredFetch } from './metered-fetch.js'
export type {
  BodyWatcher,
  ExchangeHeaders,
  ExchangeRequest,
  MeteredExchange,
} from './metered-exchange.js'
export { createCallTelemetry } from './otel/call-telemetry.js'
export type { CallDetails, CallTelemetry, CallTelemetryOptions } from './otel/call-telemetry.js'
export {
  metricAttributes,
  operationName,
  providerName,
  spanAttributes,
  spanName,
} from './otel/gen-ai-attributes.js'
export type { AttributeValue, GenAiAttributes } from './otel/gen-ai-attributes.js'
export { loadOtelApi } from './otel/otel-api.js'
export type { MeterProviderLike, OtelApi, TracerProviderLike } from './otel/otel-api.js'
export { normaliseOpenAiUsage } from './normalisers/openai-chat.js'
export { normaliseDeepSeekUsage } from './normalisers/deepseek.js'
export { normaliseOpenRouterUsage } from './normalisers/openrouter.js'
export { readReportedCost } from './reported-cost.js'
export { normaliseAnthropicUsage } from './normalisers/anthropic.js'
export { normaliseGeminiUsage } from './normalisers/gemini.js'
export type { NormaliseUsage } from './normalisers/normalise-usage.js'
export {
  CHARS_PER_TOKEN,
  ESTIMATED_MESSAGE_OVERHEAD_TOKENS,
  estimatePromptTokens,
  tokensFromChars,
} from './estimate-tokens.js'
