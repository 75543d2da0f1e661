/**
 * Correcting approximate input counts with what the ledger saw.
 *
 * The problem: for a model whose tokenizer we do not have (DeepSeek, Claude, Gemini...), the count
 * is o200k x a family prior (approximate.ts). The ledger knows the TRUE prompt tokens of past calls
 * (reported by the provider), but not their text, so the estimator cannot recount old prompts.
 *
 * The approach: calibration pairs must be recorded when the text is at hand, i.e. at call time.
 * An application that meters calls adds one tag per call, `tokenledger.counted_input`, holding the
 * o200k count of the prompt it sends (`calibrationTags(body)` computes it). The ledger then holds,
 * per call, the provider's reported input tokens next to our count of the same prompt, and
 *   factor = sum(reported input tokens) / sum(counted tokens)
 * over the model's successful tagged calls (90 days by default) replaces the family prior once at
 * least MIN_CALIBRATION_CALLS calls carry the tag. A ratio of sums weights long prompts more, which
 * is what a cost estimate needs. A factor outside 0.5-2 means the tags are wrong (another model's
 * prompts, a different framing) and is ignored, with a note.
 * Without tagged calls the prior stays, and the estimate says "uncalibrated" and gives the prior's
 * expected error. OpenAI models are counted exactly and never calibrated.
 */
import { approximationFor, formatFactor } from './approximate.js'
import type { TokenizerChoice } from './encodings.js'
import type { ModelHistory } from './ledger-history.js'

/** The tag that carries our o200k count of a call's prompt, for calibration. */
export const COUNTED_INPUT_TAG = 'tokenledger.counted_input'
/** Tagged calls needed before a calibration replaces the family prior. */
export const MIN_CALIBRATION_CALLS = 5

/** How a model's counted tokens become its estimated input tokens. */
export interface InputCorrection {
  /** `exact`: the model's own tokenizer; `approximate`: a family prior; `calibrated`: from the ledger. */
  method: 'exact' | 'approximate' | 'calibrated'
  /** Multiplier in thousandths (1000 for exact). */
  perMille: number
  /** The multiplier as a decimal string, e.g. "1.05". */
  factor: string
  /** Documented expected error of the prior, in percent; null when exact or calibrated. */
  expectedErrorPercent: number | null
  /** Ledger calls the calibration came from (0 unless calibrated). */
  calls: number
  /** One line for people: which method, from what. */
  note: string
}

/**
 * The input correction for a model.
 * @param history the model's ledger history, or null when there is no ledger
 */
export function inputCorrection(
  choice: TokenizerChoice,
  history: ModelHistory | null,
): InputCorrection {
  if (choice.exact) {
    return {
      method: 'exact',
      perMille: 1000,
      factor: '1.0',
      expectedErrorPercent: null,
      calls: 0,
      note: `exact (${choice.encoding})`,
    }
  }
  const prior = approximationFor(choice.family)
  const approximate: InputCorrection = {
    method: 'approximate',
    perMille: prior.perMille,
    factor: formatFactor(prior.perMille),
    expectedErrorPercent: prior.expectedErrorPercent,
    calls: 0,
    note: `approximate: o200k x ${formatFactor(prior.perMille)} (${choice.family} prior, expected error +/-${prior.expectedErrorPercent}%), uncalibrated`,
  }
  const sample = history?.calibration
  if (!sample || sample.calls < MIN_CALIBRATION_CALLS || sample.countedInput <= 0) {
    if (sample && sample.calls > 0) {
      approximate.note += `: ${sample.calls} tagged ledger call(s), ${MIN_CALIBRATION_CALLS} needed`
    }
    return approximate
  }
  const perMille = Math.round((sample.reportedInput * 1000) / sample.countedInput)
  if (perMille < 500 || perMille > 2000) {
    approximate.note += `: ledger ratio ${formatFactor(perMille)} from ${sample.calls} calls ignored (outside 0.5-2; check the ${COUNTED_INPUT_TAG} tags)`
    return approximate
  }
  return {
    method: 'calibrated',
    perMille,
    factor: formatFactor(perMille),
    expectedErrorPercent: null,
    calls: sample.calls,
    note: `calibrated: o200k x ${formatFactor(perMille)} from ${sample.calls} ledger calls (reported / counted input tokens)`,
  }
}
