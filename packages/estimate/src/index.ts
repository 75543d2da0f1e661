/**
 * @module @tokenledger/estimate: token counts of requests (js-tiktoken, exact for OpenAI models,
 * approximated and calibrated for others) and cost estimates of batch files before they run.
 */
export { estimateBatch } from './estimate-batch.js'
export type {
  BatchEstimate,
  EstimateBatchOptions,
  EstimateProgress,
  ModelEstimate,
} from './estimate-batch.js'
export type { CacheEffect, CostRange, ProviderEstimate } from './price-batch.js'
export { calibrationTags, countRequest, countTokens } from './count-request.js'
export type { RequestCount, TokenCount } from './count-request.js'
export {
  countChat,
  countTools,
  REPLY_PRIMING_TOKENS,
  CHAT_MESSAGE_FRAMING_TOKENS,
  TOKENS_PER_NAME,
  TOKENS_PER_TOOL_CALL,
} from './count-chat.js'
export type { ChatCount } from './count-chat.js'
export type {
  ChatMessage,
  ChatRequest,
  ContentPart,
  ToolCall,
  ToolDefinition,
} from './chat-request.js'
export {
  bareModelName,
  ENCODINGS,
  loadEncoding,
  MODEL_FAMILIES,
  tokenizerFor,
} from './encodings.js'
export type { EncodingName, ModelFamily, TokenizerChoice } from './encodings.js'
export { TokenCounter } from './token-counter.js'
export type { TextCounter, TokenCounterOptions, TokenCounterStats } from './token-counter.js'
export { approximationFor, scaleTokens } from './approximate.js'
export type { Approximation } from './approximate.js'
export { COUNTED_INPUT_TAG, inputCorrection, MIN_CALIBRATION_CALLS } from './calibration.js'
export type { InputCorrection } from './calibration.js'
export { DEFAULT_HISTORY_DAYS, readModelHistory } from './ledger-history.js'
export type {
  HistoryCall,
  HistoryOptions,
  HistoryQuery,
  LedgerHistorySource,
  ModelHistory,
} from './ledger-history.js'
export { DEFAULT_OUTPUT, FALLBACK_MAX_OUTPUT, MIN_HISTORY_CALLS } from './output-range.js'
export type { OutputModel, TokenRange } from './output-range.js'
export { imageRuleFor, imageTokens } from './image-tokens.js'
export type { ImageRule } from './image-tokens.js'
export { imageSizeFromBytes, imageSizeFromUrl } from './image-size.js'
export type { ImageSize } from './image-size.js'
export { parseBatchLine, parseBatchValue } from './batch-line.js'
export type { LineContext, LineFormat, ParsedLine } from './batch-line.js'
export type { LineProblem } from './chunk-counter.js'
export { cachedTokens, cachingPolicy, PREFIX_RULES } from './prefix-cache.js'
export type { CachingPolicy, PrefixRule } from './prefix-cache.js'
export { workersAvailable } from './count-pool.js'
