/**
 * The normalised usage of one call, the same for every provider. Subsets, so nothing is counted
 * twice:
 * - `inputTokens` is every prompt token, cached ones included;
 * - `cacheReadTokens` and `cacheWriteTokens` are parts of `inputTokens`;
 * - `outputTokens` is every generated token, reasoning included; `reasoningTokens` is part of it.
 *
 * @example
 * // Anthropic reports input_tokens=100 (EXCLUDING cache), cache_read_input_tokens=900:
 * const usage: Usage = { inputTokens: 1000, cacheReadTokens: 900, cacheWriteTokens: 0, outputTokens: 50, reasoningTokens: 0 }
 */
export interface Usage {
  inputTokens: number
  cacheReadTokens: number
  cacheWriteTokens: number
  /** Part of `cacheWriteTokens` written with a 1-hour TTL; the rest is priced as 5-minute writes. */
  cacheWrite1hTokens?: number
  outputTokens: number
  reasoningTokens: number
  /**
   * Part of the fresh (uncached) input that is audio, priced at the card's `audioInput` rate.
   * OpenAI reports `prompt_tokens_details.audio_tokens`: 1,000 prompt tokens of which 600 audio and
   * 100 cached give inputTokens 1000, cacheReadTokens 100, audioInputTokens 600 (300 fresh text).
   */
  audioInputTokens?: number
  /** Part of the fresh input that is images, priced at the card's `imageInput` rate. */
  imageInputTokens?: number
  /** Part of the output that is audio (`completion_tokens_details.audio_tokens`), at `audioOutput`. */
  audioOutputTokens?: number
}

const OPTIONAL_FIELDS = [
  'cacheWrite1hTokens',
  'audioInputTokens',
  'imageInputTokens',
  'audioOutputTokens',
] as const

/** Where a usage figure came from. */
export type Provenance = 'reported' | 'derived' | 'estimated' | 'missing'

export const USAGE_FIELDS = [
  'inputTokens',
  'cacheReadTokens',
  'cacheWriteTokens',
  'outputTokens',
  'reasoningTokens',
] as const
export type UsageField = (typeof USAGE_FIELDS)[number]

/** For each usage field, whether the provider reported it, we derived or estimated it, or it is missing. */
export type UsageProvenance = Record<UsageField, Provenance>

/** A usage together with the provenance of each figure. */
export interface MeteredUsage extends Usage {
  provenance: UsageProvenance
}

/** An all-zero usage, handy as a starting point. */
export function emptyUsage(): Usage {
  return {
    inputTokens: 0,
    cacheReadTokens: 0,
    cacheWriteTokens: 0,
    outputTokens: 0,
    reasoningTokens: 0,
  }
}

/**
 * Checks the subset rules of a usage and returns a message naming the broken one, or null.
 * Counts must be non-negative safe integers.
 */
export function checkUsage(usage: Usage): string | null {
  for (const field of [...USAGE_FIELDS, ...OPTIONAL_FIELDS] as const) {
    const value = usage[field]
    if (value === undefined && (OPTIONAL_FIELDS as readonly string[]).includes(field)) continue
    if (!Number.isSafeInteger(value) || (value as number) < 0) {
      return `${field}: expected a non-negative integer, got ${String(value)}`
    }
  }
  if (usage.cacheReadTokens + usage.cacheWriteTokens > usage.inputTokens) {
    return `cacheReadTokens + cacheWriteTokens (${usage.cacheReadTokens + usage.cacheWriteTokens}) exceed inputTokens (${usage.inputTokens})`
  }
  if ((usage.cacheWrite1hTokens ?? 0) > usage.cacheWriteTokens) {
    return `cacheWrite1hTokens (${usage.cacheWrite1hTokens}) exceed cacheWriteTokens (${usage.cacheWriteTokens})`
  }
  if (usage.reasoningTokens > usage.outputTokens) {
    return `reasoningTokens (${usage.reasoningTokens}) exceed outputTokens (${usage.outputTokens})`
  }
  const media = (usage.audioInputTokens ?? 0) + (usage.imageInputTokens ?? 0)
  if (media > 0 && usage.cacheReadTokens + usage.cacheWriteTokens + media > usage.inputTokens) {
    return `cacheReadTokens + cacheWriteTokens + audioInputTokens + imageInputTokens (${usage.cacheReadTokens + usage.cacheWriteTokens + media}) exceed inputTokens (${usage.inputTokens})`
  }
  if (
    (usage.audioOutputTokens ?? 0) > 0 &&
    usage.reasoningTokens + (usage.audioOutputTokens ?? 0) > usage.outputTokens
  ) {
    return `reasoningTokens + audioOutputTokens (${usage.reasoningTokens + (usage.audioOutputTokens ?? 0)}) exceed outputTokens (${usage.outputTokens})`
  }
  return null
}
