/**
 * The contract every usage normaliser implements, and the small helpers they share.
 *
 * A normaliser turns one provider's raw `usage` object into tokenledger's `MeteredUsage`: the
 * subset-shaped `Usage` (cache reads and writes inside input, reasoning inside output) plus, for
 * each figure, where it came from. Nothing becomes a silent zero: a field the payload does not
 * carry (or carries malformed) is 0 with provenance `'missing'`, and the meter later replaces
 * missing totals with estimates where it knows the text.
 */
import type { MeteredUsage, Provenance, UsageField, UsageProvenance } from '@tokenledger/pricing'

/**
 * Normalises one raw usage object (the `usage` of a chat completion, an Anthropic message, a
 * Gemini `usageMetadata`...) into a `MeteredUsage` whose subset rules always hold.
 * Never throws: a payload that is not an object yields an all-missing usage.
 */
export type NormaliseUsage = (raw: unknown) => MeteredUsage

/** One figure on its way into a usage: its value and where it came from. */
export interface Figure {
  value: number
  provenance: Provenance
}

/** A figure the payload did not carry. */
export const MISSING: Figure = Object.freeze({ value: 0, provenance: 'missing' })

/** A plain object, or undefined for anything else (null, arrays, numbers...). */
export function asRecord(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined
}

/**
 * A token count read from `record[key]`: a non-negative safe integer, or undefined when absent,
 * null or malformed (a string, a negative or fractional number): malformed counts are treated as
 * missing rather than guessed.
 */
export function readCount(
  record: Record<string, unknown> | undefined,
  key: string,
): number | undefined {
  const value = record?.[key]
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0 ? value : undefined
}

/** A count that was reported as such, or MISSING. */
export function reported(value: number | undefined): Figure {
  return value === undefined ? MISSING : { value, provenance: 'reported' }
}

/** A count computed from reported parts, or MISSING when a part is absent. */
export function derived(value: number | undefined): Figure {
  return value === undefined ? MISSING : { value, provenance: 'derived' }
}

/** The figures a normaliser has gathered before the subset rules are enforced. */
export interface Figures {
  inputTokens: Figure
  cacheReadTokens: Figure
  cacheWriteTokens: Figure
  /** Part of the cache writes with a 1-hour TTL (Anthropic); undefined when not reported. */
  cacheWrite1hTokens?: number | undefined
  outputTokens: Figure
  reasoningTokens: Figure
  /** Modality parts where the provider reports them (priced at the card's audio / image rates). */
  audioInputTokens?: number | undefined
  imageInputTokens?: number | undefined
  audioOutputTokens?: number | undefined
}

/**
 * Builds the `MeteredUsage` from gathered figures and makes the subset rules hold, so pricing never
 * rejects it. A payload that breaks them is repaired conservatively and the repaired figure is
 * marked `'derived'`:
 * - a subset larger than a reported total is clamped to the total (cached tokens are then priced
 *   as fresh input: never cheaper than the truth);
 * - a missing total with known parts becomes the sum of its parts (a lower bound).
 */
export function buildUsage(figures: Figures): MeteredUsage {
  const input = { ...figures.inputTokens }
  const cacheRead = { ...figures.cacheReadTokens }
  const cacheWrite = { ...figures.cacheWriteTokens }
  const output = { ...figures.outputTokens }
  const reasoning = { ...figures.reasoningTokens }
  let write1h = figures.cacheWrite1hTokens

  if (input.provenance === 'missing' && cacheRead.value + cacheWrite.value > 0) {
    input.value = cacheRead.value + cacheWrite.value
    input.provenance = 'derived'
  }
  if (cacheRead.value > input.value) {
    cacheRead.value = input.value
    cacheRead.provenance = 'derived'
  }
  if (cacheRead.value + cacheWrite.value > input.value) {
    cacheWrite.value = input.value - cacheRead.value
    cacheWrite.provenance = 'derived'
  }
  if (write1h !== undefined && write1h > cacheWrite.value) write1h = cacheWrite.value

  if (output.provenance === 'missing' && reasoning.value > 0) {
    output.value = reasoning.value
    output.provenance = 'derived'
  }
  if (reasoning.value > output.value) {
    reasoning.value = output.value
    reasoning.provenance = 'derived'
  }

  const provenance: UsageProvenance = {
    inputTokens: input.provenance,
    cacheReadTokens: cacheRead.provenance,
    cacheWriteTokens: cacheWrite.provenance,
    outputTokens: output.provenance,
    reasoningTokens: reasoning.provenance,
  }
  const usage: MeteredUsage = {
    inputTokens: input.value,
    cacheReadTokens: cacheRead.value,
    cacheWriteTokens: cacheWrite.value,
    outputTokens: output.value,
    reasoningTokens: reasoning.value,
    provenance,
  }
  if (write1h !== undefined) usage.cacheWrite1hTokens = write1h
  // Modality counts are parts of the fresh input and of the output: clamped so the subsets hold.
  let fresh = usage.inputTokens - usage.cacheReadTokens - usage.cacheWriteTokens
  for (const field of ['audioInputTokens', 'imageInputTokens'] as const) {
    const count = Math.min(figures[field] ?? 0, fresh)
    if (count > 0) {
      usage[field] = count
      fresh -= count
    }
  }
  const audioOut = Math.min(
    figures.audioOutputTokens ?? 0,
    usage.outputTokens - usage.reasoningTokens,
  )
  if (audioOut > 0) usage.audioOutputTokens = audioOut
  return usage
}

/** A usage in which every figure is missing: what a call with no usage payload starts from. */
export function missingUsage(): MeteredUsage {
  return buildUsage({
    inputTokens: MISSING,
    cacheReadTokens: MISSING,
    cacheWriteTokens: MISSING,
    outputTokens: MISSING,
    reasoningTokens: MISSING,
  })
}

/** The figures of a usage whose provenance is `kind`. */
export function fieldsWith(usage: MeteredUsage, kind: Provenance): UsageField[] {
  return (Object.keys(usage.provenance) as UsageField[]).filter(
    (field) => usage.provenance[field] === kind,
  )
}
