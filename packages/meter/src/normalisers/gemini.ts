/**
 * Gemini `usageMetadata`. `promptTokenCount` INCLUDES `cachedContentTokenCount`, but
 * `thoughtsTokenCount` is SEPARATE from `candidatesTokenCount`: output = candidates + thoughts
 * (counting candidates alone under-bills thinking models). `toolUsePromptTokenCount` is prompt
 * the model read from tools and is billed as input. `totalTokenCount` = prompt + candidates +
 * toolUsePrompt + thoughts. Gemini omits zero counts, so an absent `candidatesTokenCount` is
 * recovered from the total when it can be.
 *
 * @example
 * // {"promptTokenCount":1200,"cachedContentTokenCount":1024,"candidatesTokenCount":80,
 * //  "thoughtsTokenCount":420,"totalTokenCount":1700}
 * // -> inputTokens 1200 (1024 cache reads), outputTokens 500 (derived), reasoningTokens 420
 */
import type { MeteredUsage } from '@tokenledger/pricing'
import {
  asRecord,
  buildUsage,
  derived,
  MISSING,
  missingUsage,
  readCount,
  reported,
  type Figure,
  type NormaliseUsage,
} from './normalise-usage.js'

/** Normalises a Gemini `usageMetadata` object. */
export const normaliseGeminiUsage: NormaliseUsage = function normaliseGeminiUsage(
  raw: unknown,
): MeteredUsage {
  const usage = asRecord(raw)
  if (!usage) return missingUsage()
  const prompt = readCount(usage, 'promptTokenCount')
  const toolPrompt = readCount(usage, 'toolUsePromptTokenCount')
  const thoughts = readCount(usage, 'thoughtsTokenCount')
  const total = readCount(usage, 'totalTokenCount')
  let candidates = readCount(usage, 'candidatesTokenCount')
  let candidatesDerived = false
  if (candidates === undefined && total !== undefined && prompt !== undefined) {
    const rest = total - prompt - (toolPrompt ?? 0) - (thoughts ?? 0)
    if (rest >= 0) {
      candidates = rest
      candidatesDerived = true
    }
  }

  let inputTokens: Figure = MISSING
  if (prompt !== undefined)
    inputTokens = toolPrompt ? derived(prompt + toolPrompt) : reported(prompt)

  let outputTokens: Figure = MISSING
  if (candidates !== undefined) {
    outputTokens =
      thoughts || candidatesDerived ? derived(candidates + (thoughts ?? 0)) : reported(candidates)
  }
  // With thoughts but no candidate count, buildUsage makes output the thoughts (a lower bound).
  return buildUsage({
    inputTokens,
    cacheReadTokens: reported(readCount(usage, 'cachedContentTokenCount')),
    cacheWriteTokens: MISSING,
    outputTokens,
    reasoningTokens: reported(thoughts),
    audioInputTokens: modalityCount(usage['promptTokensDetails'], 'AUDIO'),
    imageInputTokens: modalityCount(usage['promptTokensDetails'], 'IMAGE'),
    audioOutputTokens: modalityCount(usage['candidatesTokensDetails'], 'AUDIO'),
  })
}

/** The token count of one modality in Gemini's `[{ modality, tokenCount }]` details, if reported. */
function modalityCount(details: unknown, modality: string): number | undefined {
  if (!Array.isArray(details)) return undefined
  const entry = details.map(asRecord).find((item) => item?.['modality'] === modality)
  return readCount(entry, 'tokenCount')
}
