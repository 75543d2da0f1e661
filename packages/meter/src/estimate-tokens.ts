/**
 * Token estimates for calls whose usage never arrived (an aborted stream, a provider that sent no
 * usage). Deliberately simple, so the meter stays light and fast:
 *
 *   tokens(text) = ceil(characters / 4)
 *   prompt tokens = tokens(all text of the prompt) + 4 per message
 *
 * Four characters per token is the usual rule of thumb for English with BPE tokenizers (o200k,
 * DeepSeek's); code and non-Latin scripts can be off by 2x either way. Every figure made here is
 * flagged `'estimated'` in the record. For exact counts use @tokenledger/estimate (js-tiktoken).
 */
import type { MeteredUsage, UsageField } from '@tokenledger/pricing'

/** Characters per token of the approximation. */
export const CHARS_PER_TOKEN = 4
/**
 * The meter's rough allowance per prompt message for its role and separators, in its chars/4
 * estimate (not a tokenizer's exact framing: see @tokenledger/estimate's CHAT_MESSAGE_FRAMING_TOKENS).
 */
export const ESTIMATED_MESSAGE_OVERHEAD_TOKENS = 4

/**
 * Keys whose values are not prompt text: binary payloads, ids, settings, and the role and part-type
 * labels (the per-message allowance covers the role).
 */
const SKIPPED_KEYS = new Set([
  'role',
  'type',
  'image_url',
  'input_audio',
  'inline_data',
  'inlineData',
  'file_data',
  'fileData',
  'source',
  'id',
  'tool_call_id',
  'cache_control',
  'signature',
])

/** ceil(chars / 4). */
export function tokensFromChars(chars: number): number {
  return Math.ceil(chars / CHARS_PER_TOKEN)
}

/**
 * Estimated prompt tokens of a request body, whatever its style: chat `messages`, Responses
 * `input` / `instructions`, Anthropic `system` + `messages`, Gemini `contents` /
 * `systemInstruction`, and `tools` (tool definitions are billed as prompt).
 * @example estimatePromptTokens({ messages: [{ role: 'user', content: 'What is 2+2?' }] }) // ceil(12/4) + 4 = 7
 */
export function estimatePromptTokens(body: Record<string, unknown> | null): number {
  if (!body) return 0
  let chars = 0
  let messages = 0
  for (const key of ['messages', 'input', 'contents', 'prompt']) {
    const value = body[key]
    if (Array.isArray(value)) messages += value.length
    else if (typeof value === 'string') messages += 1
    chars += textChars(value)
  }
  for (const key of ['system', 'instructions', 'systemInstruction', 'tools', 'functions']) {
    if (body[key] !== undefined) {
      chars +=
        key === 'tools' || key === 'functions'
          ? JSON.stringify(body[key]).length
          : textChars(body[key])
      if (key !== 'tools' && key !== 'functions') messages += 1
    }
  }
  return tokensFromChars(chars) + messages * ESTIMATED_MESSAGE_OVERHEAD_TOKENS
}

/** Total length of the strings inside a JSON value, binary payloads and ids skipped. */
export function textChars(value: unknown): number {
  if (typeof value === 'string') return value.length
  if (Array.isArray(value)) {
    let total = 0
    for (const item of value) total += textChars(item)
    return total
  }
  if (typeof value === 'object' && value !== null) {
    let total = 0
    for (const [key, item] of Object.entries(value))
      if (!SKIPPED_KEYS.has(key)) total += textChars(item)
    return total
  }
  return 0
}

/** What the meter saw of a call, for estimates. */
export interface SeenText {
  promptTokens: number
  textChars: number
  reasoningChars: number
}

/**
 * Fills a usage's gaps with estimates, flagged `'estimated'`.
 * - A missing input becomes the prompt estimate.
 * - A missing output becomes the estimate of the text seen (and stays missing when no text was
 *   seen at all). With `partial` (the stream stopped
 *   early, so a reported output is only a running count) the larger of the two wins; a complete
 *   reported output is never touched.
 * - Reasoning likewise, from the reasoning text seen, and never above the output.
 * Cache counts are never estimated: a missing cache count stays 0 `'missing'`, which prices those
 * tokens as fresh input (never cheaper than the truth).
 */
export function fillEstimates(usage: MeteredUsage, seen: SeenText, partial: boolean): MeteredUsage {
  const next: MeteredUsage = { ...usage, provenance: { ...usage.provenance } }
  const set = (field: UsageField, value: number): void => {
    next[field] = value
    next.provenance[field] = 'estimated'
  }
  if (next.provenance.inputTokens === 'missing') {
    set('inputTokens', Math.max(seen.promptTokens, next.cacheReadTokens + next.cacheWriteTokens))
  }
  const reasoning = tokensFromChars(seen.reasoningChars)
  const output = tokensFromChars(seen.textChars) + reasoning
  const outputFinal = next.provenance.outputTokens !== 'missing' && !partial
  // No text seen at all is nothing to estimate from: a missing output stays missing.
  const nothingSeen = seen.textChars === 0 && seen.reasoningChars === 0
  if (
    !outputFinal &&
    !nothingSeen &&
    (next.provenance.outputTokens === 'missing' || output > next.outputTokens)
  ) {
    set('outputTokens', Math.max(output, next.reasoningTokens))
  }
  if (
    reasoning > 0 &&
    (next.provenance.reasoningTokens === 'missing' || (partial && reasoning > next.reasoningTokens))
  ) {
    set('reasoningTokens', Math.min(reasoning, next.outputTokens))
  }
  return next
}
