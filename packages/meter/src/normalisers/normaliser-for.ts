/**
 * Which normaliser reads which payload. The usage style follows the provider (pricing table's
 * `usageStyle`) within the OpenAI-compatible family, but the endpoint decides the family: an
 * Anthropic `/messages` body is Anthropic-shaped whoever serves it, and likewise Gemini's
 * `:generateContent`.
 */
import type { UsageStyle } from '@tokenledger/pricing'
import { normaliseAnthropicUsage } from './anthropic.js'
import { normaliseDeepSeekUsage } from './deepseek.js'
import { normaliseGeminiUsage } from './gemini.js'
import type { NormaliseUsage } from './normalise-usage.js'
import { normaliseOpenAiUsage } from './openai-chat.js'
import { normaliseOpenRouterUsage } from './openrouter.js'

/** One normaliser per usage style. */
export const NORMALISERS: Readonly<Record<UsageStyle, NormaliseUsage>> = Object.freeze({
  openai: normaliseOpenAiUsage,
  deepseek: normaliseDeepSeekUsage,
  openrouter: normaliseOpenRouterUsage,
  anthropic: normaliseAnthropicUsage,
  gemini: normaliseGeminiUsage,
})

/**
 * The usage style of a call: the endpoint's family first (`/messages` is Anthropic,
 * `:generateContent` / `:streamGenerateContent` is Gemini), then the provider's own style for
 * OpenAI-compatible endpoints, `'openai'` when the provider is unknown.
 */
export function styleFor(endpoint: string, providerStyle: UsageStyle | undefined): UsageStyle {
  if (endpoint === '/messages') return 'anthropic'
  if (endpoint === ':generateContent' || endpoint === ':streamGenerateContent') return 'gemini'
  if (providerStyle === 'anthropic' || providerStyle === 'gemini' || providerStyle === undefined)
    return 'openai'
  return providerStyle
}
