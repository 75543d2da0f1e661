import { parseScaled, RATE_DECIMALS, type Usd, usdFromPico } from './money.js'
import type { CardRef } from './rate-card.js'
import type { Rates } from './schema.js'
import type { Usage } from './usage.js'

/**
 * Cost parts in USD: fresh input (audio and image input included), cache read, cache write, output
 * (reasoning and audio output included), and the per-request fee.
 */
export interface CostBreakdown<T = Usd> {
  input: T
  cacheRead: T
  cacheWrite: T
  output: T
  /** The card's per-request fee (`rates.request`); present only when the card has one. */
  request?: T
}

/** A rate that was missing on the card and replaced by another, so the result says so. */
export type RateFallback =
  'cacheRead' | 'cacheWrite5m' | 'cacheWrite1h' | 'audioInput' | 'imageInput' | 'audioOutput'

/** The exact cost of one usage, with the card that priced it. */
export interface Cost {
  currency: 'USD'
  total: Usd
  totalPico: bigint
  breakdown: CostBreakdown
  breakdownPico: CostBreakdown<bigint>
  /** What the cache reads saved against the fresh-input rate. */
  cacheSavings: Usd
  cacheSavingsPico: bigint
  card: CardRef
  /** The rates actually applied (after tier, window and service tier). */
  rates: Rates
  fallbacks: RateFallback[]
  /** Plain-language remarks: fallbacks taken, variants applied. */
  notes: string[]
}

/** Rates parsed to picodollars per token (= micro-USD per 1M tokens), once per rates object. */
interface ParsedRates {
  input: bigint
  output: bigint
  cacheRead: bigint | undefined
  cacheWrite5m: bigint | undefined
  cacheWrite1h: bigint | undefined
  reasoning: bigint | undefined
  audioInput: bigint | undefined
  imageInput: bigint | undefined
  audioOutput: bigint | undefined
  /** Picodollars per request. */
  request: bigint
}

const parsedCache = new WeakMap<Rates, ParsedRates>()

function parse(rate: string | undefined): bigint | undefined {
  return rate === undefined ? undefined : parseScaled(rate, RATE_DECIMALS)
}

export function parseRates(rates: Rates): ParsedRates {
  let parsed = parsedCache.get(rates)
  if (!parsed) {
    parsed = {
      input: parse(rates.input)!,
      output: parse(rates.output)!,
      cacheRead: parse(rates.cacheRead),
      cacheWrite5m: parse(rates.cacheWrite5m),
      cacheWrite1h: parse(rates.cacheWrite1h),
      reasoning: parse(rates.reasoning),
      audioInput: parse(rates.audioInput),
      imageInput: parse(rates.imageInput),
      audioOutput: parse(rates.audioOutput),
      // USD per request with at most 6 places: micro-USD x 1,000,000 = picodollars.
      request: (parse(rates.request) ?? 0n) * 1_000_000n,
    }
    parsedCache.set(rates, parsed)
  }
  return parsed
}

/**
 * Prices a (valid) usage at the given rates. Input includes cache reads and writes, output includes
 * reasoning, so fresh input = input - cacheRead - cacheWrite.
 *
 * @example
 * // TokenHub deepseek-v4-flash (input 0.15, cache read 0.003 per 1M):
 * // 1,000,000 input of which 400,000 cache reads, no output
 * // = 600,000 x 0.15/1M + 400,000 x 0.003/1M = 0.09 + 0.0012 = 0.0912
 * @example
 * // gpt-4o-audio style card (input 2.5, audioInput 40, output 10, audioOutput 80 per 1M):
 * // 1,000 input of which 600 audio, 500 output of which 200 audio
 * // = 400 x 2.5/1M + 600 x 40/1M + 300 x 10/1M + 200 x 80/1M = 0.001 + 0.024 + 0.003 + 0.016 = 0.044
 */
export function computeCost(usage: Usage, rates: Rates, card: CardRef): Cost {
  const parsed = parseRates(rates)
  const fallbacks: RateFallback[] = []
  const notes: string[] = []

  const audioIn = BigInt(usage.audioInputTokens ?? 0)
  const imageIn = BigInt(usage.imageInputTokens ?? 0)
  const audioOut = BigInt(usage.audioOutputTokens ?? 0)
  const freshInput =
    BigInt(usage.inputTokens - usage.cacheReadTokens - usage.cacheWriteTokens) - audioIn - imageIn
  const cacheRead = BigInt(usage.cacheReadTokens)
  const cacheWrite1h = BigInt(usage.cacheWrite1hTokens ?? 0)
  const cacheWrite5m = BigInt(usage.cacheWriteTokens) - cacheWrite1h
  const reasoning = BigInt(usage.reasoningTokens)
  const plainOutput = BigInt(usage.outputTokens) - reasoning - audioOut

  // A missing cache rate falls back to the fresh-input rate, and the result says so when it mattered.
  const rateOr =
    (base: bigint, baseName: string) =>
    (rate: bigint | undefined, tokens: bigint, fallback: RateFallback, note: string): bigint => {
      if (rate !== undefined) return rate
      if (tokens > 0n) {
        fallbacks.push(fallback)
        notes.push(`${note} priced at the ${baseName} rate`)
      }
      return base
    }
  const rateOrInput = rateOr(parsed.input, 'fresh-input')
  const rateOrOutput = rateOr(parsed.output, 'output')
  const cacheReadRate = rateOrInput(
    parsed.cacheRead,
    cacheRead,
    'cacheRead',
    'the card has no cache-read rate: cache reads',
  )
  const write5mRate = rateOrInput(
    parsed.cacheWrite5m,
    cacheWrite5m,
    'cacheWrite5m',
    'the card has no cache-write rate: cache writes',
  )
  const write1hRate = rateOrInput(
    parsed.cacheWrite1h,
    cacheWrite1h,
    'cacheWrite1h',
    'the card has no 1-hour cache-write rate: those writes',
  )

  const audioInRate = rateOrInput(
    parsed.audioInput,
    audioIn,
    'audioInput',
    'the card has no audio-input rate: audio input',
  )
  const imageInRate = rateOrInput(
    parsed.imageInput,
    imageIn,
    'imageInput',
    'the card has no image-input rate: image input',
  )
  const audioOutRate = rateOrOutput(
    parsed.audioOutput,
    audioOut,
    'audioOutput',
    'the card has no audio-output rate: audio output',
  )

  const input = freshInput * parsed.input + audioIn * audioInRate + imageIn * imageInRate
  const cacheReadCost = cacheRead * cacheReadRate
  const cacheWriteCost = cacheWrite5m * write5mRate + cacheWrite1h * write1hRate
  const output =
    plainOutput * parsed.output +
    reasoning * (parsed.reasoning ?? parsed.output) +
    audioOut * audioOutRate
  const request = parsed.request
  const total = input + cacheReadCost + cacheWriteCost + output + request
  const savings = cacheRead * (parsed.input - cacheReadRate)

  if (card.tier !== undefined)
    notes.push(`prompt above ${card.tier} tokens: the whole request at the tier's rates`)
  if (card.window !== undefined) notes.push(`time window "${card.window}" applied`)
  if (card.serviceTier !== undefined) notes.push(`service tier "${card.serviceTier}" applied`)
  if (card.region !== undefined) notes.push(`region "${card.region}" prices applied`)
  if (request > 0n) notes.push('a per-request fee applied')

  return {
    currency: 'USD',
    total: usdFromPico(total),
    totalPico: total,
    breakdown: {
      input: usdFromPico(input),
      cacheRead: usdFromPico(cacheReadCost),
      cacheWrite: usdFromPico(cacheWriteCost),
      output: usdFromPico(output),
      ...(request > 0n ? { request: usdFromPico(request) } : {}),
    },
    breakdownPico: {
      input,
      cacheRead: cacheReadCost,
      cacheWrite: cacheWriteCost,
      output,
      ...(request > 0n ? { request } : {}),
    },
    cacheSavings: usdFromPico(savings),
    cacheSavingsPico: savings,
    card,
    rates,
    fallbacks,
    notes,
  }
}
