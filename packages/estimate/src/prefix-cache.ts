/**
 * The effect of a shared prompt prefix where the provider caches prompts on its own.
 *
 * Batch requests often share a long system prompt, few-shot examples or tool definitions. Providers
 * that cache prompt prefixes automatically bill the repeated part at the cache-read rate:
 * - OpenAI: prompts of 1,024 tokens or more; the cached part grows in 128-token steps;
 * - DeepSeek (and DeepSeek models served elsewhere): a disk cache in 64-token units;
 * - Gemini 2.5 and later: implicit caching above 1,024 tokens, hits not guaranteed;
 * - Anthropic (Claude): only the parts marked with `cache_control`, so nothing is cached unless the
 *   requests ask for it, and the first write costs more: not estimated, the output says why;
 * - others: the card may list a cache-read price, but whether prefixes are cached without asking is
 *   not known: not estimated.
 * The saving is reported as its own line, never folded into the range: a cache hit is likely for
 * requests sent close together, not guaranteed (entries expire within minutes to hours, and
 * concurrent requests can all miss).
 *
 * The prefix of a request is counted as cached when an EARLIER request of the file had the same
 * tools and the same leading messages (the longest such boundary wins); the first request with a
 * prefix writes it.
 */
import type { Rates } from '@tokenledger/pricing'
import type { ModelFamily } from './encodings.js'
import { LruCache } from './lru-cache.js'

/** How a provider caches repeated prefixes. */
export interface PrefixRule {
  id: 'openai' | 'deepseek' | 'gemini'
  /** Prefixes shorter than this are not cached. */
  minTokens: number
  /** The cached part is a multiple of this (beyond `minTokens` for OpenAI). */
  step: number
}

export const PREFIX_RULES = {
  openai: { id: 'openai', minTokens: 1024, step: 128 },
  deepseek: { id: 'deepseek', minTokens: 64, step: 64 },
  gemini: { id: 'gemini', minTokens: 1024, step: 1 },
} as const satisfies Record<string, PrefixRule>

export type PrefixRuleId = keyof typeof PREFIX_RULES
export const PREFIX_RULE_IDS = Object.keys(PREFIX_RULES) as PrefixRuleId[]

/** Whether and how a provider's cache would serve the batch's shared prefixes. */
export type CachingPolicy =
  | { kind: 'automatic'; rule: PrefixRule; note: string }
  | { kind: 'explicit' | 'unknown' | 'none'; note: string }

/**
 * The caching policy for a model family at a provider, given the rates in force.
 * @param rates the card's rates: without a cache-read rate there is nothing to estimate
 */
export function cachingPolicy(family: ModelFamily, rates: Rates): CachingPolicy {
  if (family === 'claude') {
    return {
      kind: 'explicit',
      note: 'Claude caches only prefixes marked with cache_control (writes cost extra): not estimated',
    }
  }
  if (rates.cacheRead === undefined)
    return { kind: 'none', note: 'no cache-read price on the card: not estimated' }
  if (family === 'openai') {
    return {
      kind: 'automatic',
      rule: PREFIX_RULES.openai,
      note: 'automatic prefix cache (prompts of 1,024+ tokens, 128-token steps); hits likely, not guaranteed',
    }
  }
  if (family === 'deepseek') {
    return {
      kind: 'automatic',
      rule: PREFIX_RULES.deepseek,
      note: 'automatic prefix cache (64-token units); hits likely, not guaranteed',
    }
  }
  if (family === 'gemini') {
    return {
      kind: 'automatic',
      rule: PREFIX_RULES.gemini,
      note: 'implicit prefix cache (1,024+ tokens); hits not guaranteed',
    }
  }
  return {
    kind: 'unknown',
    note: 'the card lists a cache-read price, but automatic prefix caching is not known for this model: not estimated',
  }
}

/**
 * The tokens a provider would serve from cache for a prefix of `tokens` tokens.
 * @example cachedTokens(PREFIX_RULES.openai, 1500) // 1408 = 1024 + 3 x 128
 */
export function cachedTokens(rule: PrefixRule, tokens: number): number {
  if (tokens < rule.minTokens) return 0
  if (rule.id === 'openai')
    return rule.minTokens + Math.floor((tokens - rule.minTokens) / rule.step) * rule.step
  return Math.floor(tokens / rule.step) * rule.step
}

/**
 * Remembers the prefixes seen so far in the file (bounded: the oldest are forgotten first, as a
 * provider's cache would) and tells, for each request, how long its longest already-seen prefix is.
 */
export class PrefixTracker {
  readonly #seen: LruCache<string, true>

  constructor(capacity = 100_000) {
    this.#seen = new LruCache(capacity)
  }

  /**
   * The tokens of the longest prefix of this request that an earlier request shared (0 when none),
   * then records this request's prefixes.
   */
  observe(keys: readonly string[], tokens: readonly number[]): number {
    let shared = 0
    for (let index = keys.length - 1; index >= 0; index--) {
      if (this.#seen.get(keys[index]!) !== undefined) {
        shared = tokens[index]!
        break
      }
    }
    for (const key of keys) this.#seen.set(key, true)
    return shared
  }
}
