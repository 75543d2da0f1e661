/**
 * The most a call can cost, before it is sent, at the card in force now:
 * - prompt tokens: counted by the caller's counter when it has one, else bounded by the request's
 *   size in bytes (a token of a byte-level tokenizer covers at least one byte, and the JSON around
 *   the messages is larger than their framing tokens), and never above the model's context window;
 * - output tokens: `max_tokens` / `max_completion_tokens` / `max_output_tokens` /
 *   `generationConfig.maxOutputTokens` times the number of choices asked for, or the model's
 *   maximum output when the request sets none;
 * - priced as fresh input or as cache writes, output as output or as reasoning, whichever costs
 *   more (the card's tiers by prompt size and time windows apply as for any call).
 * Null when the model has no price or the output has no known bound.
 */
import type { PricingTable, Usage } from '@tokenledger/pricing'

/** What the worst case is computed from. */
export interface WorstCaseInput {
  provider: string
  /** The model as requested. */
  model: string
  /** The parsed JSON request body, or null. */
  body: Record<string, unknown> | null
  /** Size of the request body in bytes. */
  bodyBytes: number
  /** Prompt tokens counted by a tokenizer, when one could count them. */
  promptTokens?: number
  at: Date
}

/** A call's worst case. */
export type WorstCase =
  | { priced: true; pico: bigint; model: string; inputTokens: number; outputTokens: number }
  | { priced: false; model: string | null; reason: string }

const OUTPUT_FIELDS = ['max_completion_tokens', 'max_tokens', 'max_output_tokens'] as const

/** The worst-case cost of a call (see the module comment). */
export function worstCaseCost(table: PricingTable, input: WorstCaseInput): WorstCase {
  const resolved = table.resolveModel(input.provider, input.model)
  if (!resolved)
    return {
      priced: false,
      model: null,
      reason: `${input.provider} model ${JSON.stringify(input.model)} has no price`,
    }
  const { model } = resolved
  let inputTokens = input.promptTokens ?? input.bodyBytes
  if (model.contextWindow !== undefined) inputTokens = Math.min(inputTokens, model.contextWindow)
  const asked = requestedOutput(input.body)
  const perChoice = asked ?? model.maxOutput ?? null
  if (perChoice === null) {
    return {
      priced: false,
      model: model.id,
      reason: `the request sets no max_tokens and ${model.id} has no known maximum output`,
    }
  }
  const outputTokens = perChoice * choices(input.body)
  const base: Usage = {
    inputTokens,
    cacheReadTokens: 0,
    cacheWriteTokens: 0,
    outputTokens,
    reasoningTokens: 0,
  }
  const variants: Usage[] = [
    base,
    { ...base, cacheWriteTokens: inputTokens },
    { ...base, cacheWriteTokens: inputTokens, cacheWrite1hTokens: inputTokens },
    { ...base, reasoningTokens: outputTokens },
  ]
  let worst: bigint | null = null
  for (const usage of variants) {
    const cost = table.price({ provider: input.provider, model: model.id, at: input.at, usage })
    if (!cost) continue
    const pico = cost.totalPico
    if (worst === null || pico > worst) worst = pico
  }
  if (worst === null)
    return {
      priced: false,
      model: model.id,
      reason: `${input.provider} ${model.id} has no card in force at ${input.at.toISOString()}`,
    }
  return { priced: true, pico: worst, model: model.id, inputTokens, outputTokens }
}

/**
 * `worstCaseCost`, remembered for calls of the same shape (provider, model, prompt bound, output
 * asked, choices) within one minute while the same card is in force: a card's price for a usage
 * changes only with its time windows (whole minutes in their zones) and its tiers (by prompt size,
 * part of the shape). Checking the card is one lookup; pricing the four variants again was most of
 * a budget check that needs no ledger round trip (about 35 us of a proxy's request under load).
 */
export function rememberedWorstCase(table: PricingTable): (input: WorstCaseInput) => WorstCase {
  let minute = Number.NaN
  const kept = new Map<string, { card: object | null; worst: WorstCase }>()
  return (input) => {
    const now = Math.floor(input.at.getTime() / 60_000)
    if (now !== minute || kept.size >= REMEMBERED_SHAPES) {
      kept.clear()
      minute = now
    }
    const shape = `${input.provider}\n${input.model}\n${input.promptTokens ?? input.bodyBytes}\n${requestedOutput(input.body)}\n${choices(input.body)}`
    const card = table.cardAt(input.provider, input.model, input.at)?.card ?? null
    const known = kept.get(shape)
    if (known && known.card === card) return known.worst
    const worst = worstCaseCost(table, input)
    kept.set(shape, { card, worst })
    return worst
  }
}

/** Shapes remembered at most (per minute): a bound on memory, far above what one minute sees. */
const REMEMBERED_SHAPES = 1024

function requestedOutput(body: Record<string, unknown> | null): number | null {
  if (!body) return null
  for (const field of OUTPUT_FIELDS) {
    const value = body[field]
    if (isCount(value)) return value
  }
  const config = body['generationConfig']
  if (config && typeof config === 'object') {
    const value = (config as Record<string, unknown>)['maxOutputTokens']
    if (isCount(value)) return value
  }
  return null
}

function choices(body: Record<string, unknown> | null): number {
  const n = body?.['n']
  if (isCount(n)) return n
  const config = body?.['generationConfig']
  const count =
    config && typeof config === 'object'
      ? (config as Record<string, unknown>)['candidateCount']
      : undefined
  return isCount(count) ? count : 1
}

function isCount(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value > 0
}
