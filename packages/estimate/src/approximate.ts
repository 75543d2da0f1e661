/**
 * Approximate token counts for models whose tokenizer js-tiktoken does not carry.
 *
 * Method: count with o200k_base (a modern 200k-vocabulary byte-level BPE, the same framing rules as
 * OpenAI chat), then multiply by a per-family factor and round up. The factors are PRIORS, not
 * measurements made by this project: they come from the vocabularies' sizes and the providers' own
 * rules of thumb, and the expected error says how far a given prompt may land from the truth
 * (English prose sits near the factor; code, CJK text and rare scripts move the most):
 * - DeepSeek (V3/V4, 128k-vocabulary byte-level BPE; DeepSeek's docs: about 0.3 token per English
 *   character, 0.6 per Chinese character): x1.05, expected error +/-15%;
 * - Claude (Anthropic's tokenizer, not public; it yields more tokens than OpenAI's on the same text,
 *   and Anthropic says its newest models' tokenizer yields more still): x1.20, +/-20%;
 * - Gemini / Gemma (256k SentencePiece; Google: about 4 characters per token): x1.00, +/-15%;
 * - Qwen (151k byte-level BPE): x1.05, +/-15%;
 * - Llama 3+ (128k tiktoken-style BPE): x1.05, +/-10%;
 * - Mistral (Tekken, 131k): x1.10, +/-15%;
 * - anything else: x1.10, +/-25%.
 * A calibration from the ledger (calibration.ts) replaces the factor when real calls are known.
 */
import type { ModelFamily } from './encodings.js'

/** A correction of o200k counts: multiply by `factor`, round up. */
export interface Approximation {
  family: ModelFamily
  /** Multiplier on the o200k count, in thousandths (integer math: no float drift in counts). */
  perMille: number
  /** Expected relative error of the result, in percent (documented, not measured). */
  expectedErrorPercent: number
}

const APPROXIMATIONS: Record<ModelFamily, Omit<Approximation, 'family'>> = {
  openai: { perMille: 1000, expectedErrorPercent: 0 },
  deepseek: { perMille: 1050, expectedErrorPercent: 15 },
  claude: { perMille: 1200, expectedErrorPercent: 20 },
  gemini: { perMille: 1000, expectedErrorPercent: 15 },
  qwen: { perMille: 1050, expectedErrorPercent: 15 },
  llama: { perMille: 1050, expectedErrorPercent: 10 },
  mistral: { perMille: 1100, expectedErrorPercent: 15 },
  other: { perMille: 1100, expectedErrorPercent: 25 },
}

/** The default approximation of a family. */
export function approximationFor(family: ModelFamily): Approximation {
  return { family, ...APPROXIMATIONS[family] }
}

/**
 * Applies a per-mille factor to a token count, rounding up.
 * @example scaleTokens(1000, 1050) // 1050
 */
export function scaleTokens(tokens: number, perMille: number): number {
  if (perMille === 1000) return tokens
  return Math.ceil((tokens * perMille) / 1000)
}

/** A factor as a decimal string for display: 1050 -> "1.05". */
export function formatFactor(perMille: number): string {
  const whole = Math.floor(perMille / 1000)
  const fraction = String(perMille % 1000)
    .padStart(3, '0')
    .replace(/0+$/, '')
  return fraction ? `${whole}.${fraction}` : `${whole}.0`
}
