/**
 * Everything the estimator knows and accumulates about one model of a batch: how its tokens are
 * counted, who serves it, where its output range comes from, and its requests summed by
 * prompt-size bracket.
 *
 * Why brackets: a provider may bill a whole request at a higher rate when its prompt exceeds a
 * threshold (Gemini 2.5 Pro above 200k tokens). Requests are summed per bracket between the
 * thresholds of every card of every provider that serves the model, so each bracket lies entirely
 * on one side of every threshold, and pricing a bracket's sums once at its rates equals pricing
 * each request on its own, exactly (every token costs a whole number of picodollars).
 */
import type { PricingTable, ResolvedModel } from '@tokenledger/pricing'
import { scaleTokens } from './approximate.js'
import { type InputCorrection, inputCorrection } from './calibration.js'
import type { CountedRequest } from './chunk-counter.js'
import { type TokenizerChoice, tokenizerFor } from './encodings.js'
import {
  type HistoryOptions,
  type LedgerHistorySource,
  readModelHistory,
} from './ledger-history.js'
import { type OutputModel, outputModelFrom, outputRange, type TokenRange } from './output-range.js'
import {
  cachedTokens,
  PREFIX_RULE_IDS,
  PREFIX_RULES,
  type PrefixRuleId,
  type PrefixTracker,
} from './prefix-cache.js'

/** Requests of one model whose prompts fall in one bracket, summed. */
export interface Bracket {
  /** A prompt size inside the bracket (the first seen), to select the card's tier. */
  representativeInput: number
  requests: number
  inputTokens: number
  output: TokenRange
  /** Tokens an automatic prefix cache would serve, per caching rule. */
  cachedTokens: Record<PrefixRuleId, number>
}

/** How a model of the batch is set up and what it has accumulated. */
export interface ModelState {
  /** The model as the file (or `--model`) names it. */
  name: string
  choice: TokenizerChoice
  /** Providers that serve it (one with `--provider`); empty when the pricing table does not know it. */
  serving: ResolvedModel[]
  canonical: string | null
  reasoning: boolean
  correction: InputCorrection
  output: OutputModel
  modelMaxOutput: number | null
  contextWindow: number | null
  thresholds: number[]
  brackets: Map<number, Bracket>
  requests: number
  inputTokens: number
  totals: TokenRange
  images: { count: number; sizeAssumed: number; ruleAssumed: boolean }
  uncountedParts: number
  /** Requests whose high fell back to FALLBACK_MAX_OUTPUT. */
  highAssumed: number
  /** Requests without their own output limit. */
  unbounded: number
  /** Requests whose expected output came from history of similar prompt sizes. */
  bySize: number
  /** Requests whose prompt alone is above the model's (largest) context window. */
  overContext: number
}

/** What setting up a model needs. */
export interface ModelSetup {
  table: PricingTable
  provider?: string
  ledger?: LedgerHistorySource | null
  history?: HistoryOptions
}

/** Resolves a model against the pricing table and reads its ledger history. */
export async function setUpModel(name: string, setup: ModelSetup): Promise<ModelState> {
  const { table } = setup
  let serving: ResolvedModel[]
  if (setup.provider !== undefined) {
    const resolved = table.resolveModel(setup.provider, name)
    serving = resolved ? [resolved] : []
  } else {
    serving = table.servingProviders(name)
  }
  const canonical = serving[0]?.model.id ?? null
  // The canonical id names the family better than a provider alias can (`deepseek-chat` routes...).
  const choice = tokenizerFor(name)
  const history =
    setup.ledger && canonical
      ? await readModelHistory(setup.ledger, canonical, setup.history)
      : null
  const reasoning = serving.some((entry) => entry.model.reasoning === true)
  const maxima = serving
    .map((entry) => entry.model.maxOutput)
    .filter((value): value is number => value !== undefined)
  const windows = serving
    .map((entry) => entry.model.contextWindow)
    .filter((value): value is number => value !== undefined)
  const thresholds = new Set<number>()
  for (const entry of serving) {
    for (const card of entry.model.cards)
      for (const tier of card.tiers ?? []) thresholds.add(tier.above)
  }
  return {
    name,
    choice,
    serving,
    canonical,
    reasoning,
    correction: inputCorrection(choice, history),
    output: outputModelFrom(history, reasoning),
    modelMaxOutput: maxima.length > 0 ? Math.max(...maxima) : null,
    contextWindow: windows.length > 0 ? Math.max(...windows) : null,
    thresholds: [...thresholds].sort((a, b) => a - b),
    brackets: new Map(),
    requests: 0,
    inputTokens: 0,
    totals: { low: 0, expected: 0, high: 0 },
    images: { count: 0, sizeAssumed: 0, ruleAssumed: false },
    uncountedParts: 0,
    highAssumed: 0,
    unbounded: 0,
    bySize: 0,
    overContext: 0,
  }
}

/** Adds one counted request to its model's sums. */
export function addRequest(
  state: ModelState,
  request: CountedRequest,
  tracker: PrefixTracker,
): void {
  const perMille = state.correction.perMille
  const input = scaleTokens(request.tokens, perMille)
  const range = outputRange(state.output, {
    inputTokens: input,
    maxOutputTokens: request.maxOutputTokens,
    choices: request.choices,
    modelMaxOutput: state.modelMaxOutput,
    contextWindow: state.contextWindow,
  })
  const shared = Math.min(
    input,
    scaleTokens(tracker.observe(request.prefixKeys, request.prefixTokens), perMille),
  )

  let index = 0
  while (index < state.thresholds.length && input > state.thresholds[index]!) index++
  let bracket = state.brackets.get(index)
  if (!bracket) {
    bracket = {
      representativeInput: input,
      requests: 0,
      inputTokens: 0,
      output: { low: 0, expected: 0, high: 0 },
      cachedTokens: { openai: 0, deepseek: 0, gemini: 0 },
    }
    state.brackets.set(index, bracket)
  }
  bracket.requests++
  bracket.inputTokens += input
  bracket.output.low += range.low
  bracket.output.expected += range.expected
  bracket.output.high += range.high
  if (shared > 0) {
    for (const id of PREFIX_RULE_IDS)
      bracket.cachedTokens[id] += cachedTokens(PREFIX_RULES[id], shared)
  }

  state.requests++
  state.inputTokens += input
  state.totals.low += range.low
  state.totals.expected += range.expected
  state.totals.high += range.high
  state.images.count += request.images
  state.images.sizeAssumed += request.imagesSizeAssumed
  state.images.ruleAssumed ||= request.imageRuleAssumed
  state.uncountedParts += request.uncountedParts
  if (range.highAssumed) state.highAssumed++
  if (request.maxOutputTokens === null) state.unbounded++
  if (state.contextWindow !== null && input > state.contextWindow) state.overContext++
  if (range.bySize) state.bySize++
}
