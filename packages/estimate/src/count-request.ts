/**
 * Counting one text or one request, for applications (the batch path uses the same counters).
 */
import { TokenledgerError } from '@tokenledger/pricing'
import { approximationFor, scaleTokens } from './approximate.js'
import { parseBatchValue } from './batch-line.js'
import { COUNTED_INPUT_TAG } from './calibration.js'
import { type ChatCount, countChat } from './count-chat.js'
import { type EncodingName, type ModelFamily, tokenizerFor } from './encodings.js'
import { sharedCounter } from './token-counter.js'

/** Tokens of a text or request for one model. */
export interface TokenCount {
  /** The estimate: exact for OpenAI models, the o200k count x the family prior otherwise. */
  tokens: number
  /** The count in `encoding` before any approximation factor. */
  countedTokens: number
  exact: boolean
  encoding: EncodingName
  family: ModelFamily
}

/** A request's count, with what it is made of. */
export interface RequestCount extends TokenCount {
  detail: ChatCount
}

/**
 * Tokens of a plain text (no chat framing). Special-token strings count as text.
 * @example countTokens('Hello, world!', 'gpt-4o') // { tokens: 4, exact: true, ... }
 */
export function countTokens(text: string, model: string): TokenCount {
  const choice = tokenizerFor(model)
  const counted = sharedCounter(choice.encoding).count(text)
  const perMille = choice.exact ? 1000 : approximationFor(choice.family).perMille
  return {
    tokens: scaleTokens(counted, perMille),
    countedTokens: counted,
    exact: choice.exact,
    encoding: choice.encoding,
    family: choice.family,
  }
}

/**
 * Prompt tokens of one request: a chat-completions body, a Responses body, a Batch API line or a
 * prompt (see batch-line.ts), with the chat framing, tools and images.
 * @param options.model the model, when the body has none (or to count it for another model)
 * @throws TokenledgerError BATCH_LINE_INVALID naming the field when the body is not a request
 */
export function countRequest(body: unknown, options: { model?: string } = {}): RequestCount {
  const parsed = parseBatchValue(body, options.model !== undefined ? { model: options.model } : {})
  if (!parsed.ok) throw new TokenledgerError('BATCH_LINE_INVALID', `request: ${parsed.message}`)
  const choice = tokenizerFor(parsed.request.model)
  const detail = countChat(parsed.request, sharedCounter(choice.encoding), choice)
  const perMille = choice.exact ? 1000 : approximationFor(choice.family).perMille
  return {
    tokens: scaleTokens(detail.tokens, perMille),
    countedTokens: detail.tokens,
    exact: choice.exact,
    encoding: choice.encoding,
    family: choice.family,
    detail,
  }
}

/**
 * The tag to record with a metered call so the ledger can later calibrate this model's
 * approximate counts (see calibration.ts): our o200k count of the prompt being sent.
 * @example meter.wrap(client, { tags: { feature: 'summaries', ...calibrationTags(body) } })
 */
export function calibrationTags(
  body: unknown,
  options: { model?: string } = {},
): Record<string, string> {
  return { [COUNTED_INPUT_TAG]: String(countRequest(body, options).countedTokens) }
}
