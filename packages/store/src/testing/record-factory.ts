/**
 * Realistic, deterministic CallRecords for tests and benchmarks (not part of the public API:
 * import from `@tokenledger/store/testing`).
 *
 * The records follow the project's core situation: one model (DeepSeek V4 Flash) served by several
 * providers at different prices, cache reads far cheaper than fresh input, reasoning inside output,
 * an OpenRouter route that reports its own cost, a model whose price is unknown (V4 Pro on Oxen),
 * a model the pricing table does not know at all, errors and aborted streams. Costs are computed
 * exactly here from the factory's own rates (listed below), independent of the pricing table, so
 * store tests do not move when the bundled prices do.
 */
import { parseScaled, usdFromPico } from '@tokenledger/pricing'
import type { Provenance, Usd, UsageProvenance } from '@tokenledger/pricing'
import type { CallRecord, CallStatus } from '../call-record.js'
import { SeededRandom } from './seeded-random.js'

/** USD per 1M tokens (decimal strings), as in a rate card. */
interface FactoryRates {
  input: string
  cacheRead: string
  output: string
}

interface Profile {
  provider: string
  requestedModel: string
  model: string | null
  upstream: string | null
  /** null: the model's price is unknown, calls are unpriced. */
  rates: FactoryRates | null
  card: string | null
  /** Rates of the provider's own reported cost, when it reports one. */
  reportedRates: FactoryRates | null
  weight: number
}

/** The profiles a factory draws from, with their weights. Exported so tests can name them. */
export const FACTORY_PROFILES: readonly Profile[] = [
  {
    provider: 'deepseek',
    requestedModel: 'deepseek-v4-flash',
    model: 'deepseek-v4-flash',
    upstream: null,
    rates: { input: '0.14', cacheRead: '0.0028', output: '0.28' },
    card: 'deepseek/deepseek-v4-flash@2026-04-26T12:15:00.000Z',
    reportedRates: null,
    weight: 40,
  },
  {
    provider: 'openrouter',
    requestedModel: 'deepseek/deepseek-v4-flash',
    model: 'deepseek-v4-flash',
    upstream: 'DeepSeek',
    rates: { input: '0.14', cacheRead: '0.14', output: '0.28' },
    card: 'openrouter/deepseek-v4-flash@2026-04-24T00:00:00.000Z',
    reportedRates: { input: '0.098', cacheRead: '0.0197', output: '0.197' },
    weight: 25,
  },
  {
    provider: 'tokenhub',
    requestedModel: 'deepseek-v4-flash',
    model: 'deepseek-v4-flash',
    upstream: null,
    rates: { input: '0.15', cacheRead: '0.003', output: '0.3' },
    card: 'tokenhub/deepseek-v4-flash@2026-04-24T00:00:00.000Z',
    reportedRates: null,
    weight: 15,
  },
  {
    provider: 'oxen',
    requestedModel: 'deepseek-v4-pro',
    model: 'deepseek-v4-pro',
    upstream: null,
    rates: null,
    card: null,
    reportedRates: null,
    weight: 12,
  },
  {
    provider: 'deepseek',
    requestedModel: 'deepseek-v9-experimental',
    model: null,
    upstream: null,
    rates: null,
    card: null,
    reportedRates: null,
    weight: 8,
  },
]

const USERS = ['alice', 'bob', 'carol', 'dave']
const FEATURES = ['chat', 'search', 'summarise']

/** Options of `createRecordFactory`. */
export interface RecordFactoryOptions {
  /** PRNG seed, 0..65535; also part of every id, so factories with different seeds never collide. @default 1 */
  seed?: number
  /** Timestamp of the first record. @default '2026-05-01T00:00:00.000Z' */
  start?: string | Date
  /** Mean gap between consecutive records. @default 60000 (one minute) */
  stepMs?: number
}

/** Makes records one after another; the same options always give the same records. */
export interface RecordFactory {
  /** The next record, with `overrides` applied on top (usage is replaced whole, not merged). */
  next(overrides?: Partial<CallRecord>): CallRecord
  /** `count` records. */
  batch(count: number, overrides?: Partial<CallRecord>): CallRecord[]
}

/**
 * Creates a deterministic record factory.
 * @example
 * const records = createRecordFactory({ seed: 7 }).batch(1000)
 * await store.insert(records)
 */
export function createRecordFactory(options: RecordFactoryOptions = {}): RecordFactory {
  const seed = options.seed ?? 1
  if (!Number.isInteger(seed) || seed < 0 || seed > 0xffff) {
    throw new RangeError(
      `createRecordFactory: seed: expected an integer from 0 to 65535, got ${seed}`,
    )
  }
  const rng = new SeededRandom(seed)
  const random = () => rng.next()
  const stepMs = options.stepMs ?? 60_000
  let clock = new Date(options.start ?? '2026-05-01T00:00:00.000Z').getTime()
  let index = 0
  const totalWeight = FACTORY_PROFILES.reduce((sum, p) => sum + p.weight, 0)
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!
  const int = (min: number, max: number) => min + Math.floor(random() * (max - min + 1))

  const next = (overrides: Partial<CallRecord> = {}): CallRecord => {
    let roll = random() * totalWeight
    const profile = FACTORY_PROFILES.find((p) => (roll -= p.weight) < 0) ?? FACTORY_PROFILES[0]!
    const statusRoll = random()
    const status: CallStatus = statusRoll < 0.05 ? 'error' : statusRoll < 0.08 ? 'aborted' : 'ok'
    const stream = random() < 0.6
    const provenance: UsageProvenance = {
      inputTokens: 'reported',
      cacheReadTokens: 'reported',
      cacheWriteTokens: 'reported',
      outputTokens: 'reported',
      reasoningTokens: 'reported',
    }
    let inputTokens = int(200, 120_000)
    let cacheReadTokens = random() < 0.55 ? int(0, inputTokens) : 0
    let outputTokens = int(10, 8_000)
    let reasoningTokens = random() < 0.4 ? int(0, outputTokens) : 0
    if (status === 'error') {
      inputTokens = cacheReadTokens = outputTokens = reasoningTokens = 0
      for (const field of Object.keys(provenance) as (keyof UsageProvenance)[]) {
        provenance[field] = 'missing' satisfies Provenance
      }
    } else if (status === 'aborted') {
      // An aborted stream never gets its usage chunk: the meter estimates from the text it saw.
      outputTokens = int(0, 400)
      reasoningTokens = 0
      cacheReadTokens = 0
      provenance.inputTokens = 'estimated'
      provenance.outputTokens = 'estimated'
      provenance.cacheReadTokens = 'missing'
      provenance.reasoningTokens = 'missing'
    }
    const usage = {
      inputTokens,
      cacheReadTokens,
      cacheWriteTokens: 0,
      outputTokens,
      reasoningTokens,
      provenance,
    }
    const priced = profile.rates ? priceOf(profile.rates, usage) : null
    const reported =
      profile.reportedRates && status !== 'error' ? priceOf(profile.reportedRates, usage) : null
    clock += Math.max(1, Math.round(stepMs * (0.5 + random())))
    const id = uuidLike(random, seed, index++)
    const tags: Record<string, string> = { user: pick(USERS), feature: pick(FEATURES) }
    if (random() < 0.3) tags['env'] = 'staging'
    const latency = int(150, 30_000)
    const record: CallRecord = {
      id,
      timestamp: new Date(clock).toISOString(),
      provider: profile.provider,
      requestedModel: profile.requestedModel,
      servedModel: status === 'error' ? null : profile.requestedModel,
      model: profile.model,
      upstreamProvider: profile.upstream,
      endpoint: '/chat/completions',
      stream,
      status,
      httpStatus: status === 'error' ? pick([429, 500, 503]) : 200,
      errorType:
        status === 'error'
          ? pick(['rate_limit', 'server_error'])
          : status === 'aborted'
            ? 'aborted'
            : null,
      usage,
      cost: priced?.total ?? null,
      costBreakdown: priced?.breakdown ?? null,
      cacheSavings: priced?.cacheSavings ?? null,
      card: priced ? profile.card : null,
      reportedCost: reported?.total ?? null,
      latencyMs: latency,
      timeToFirstTokenMs: stream && status !== 'error' ? int(80, Math.min(latency, 4_000)) : null,
      requestId: status === 'error' ? null : `req_${id.slice(0, 8)}`,
      serviceTier: null,
      tags,
    }
    return { ...record, ...overrides }
  }

  return {
    next,
    batch: (count, overrides) => Array.from({ length: count }, () => next(overrides)),
  }
}

interface Priced {
  total: Usd
  breakdown: { input: Usd; cacheRead: Usd; cacheWrite: Usd; output: Usd }
  cacheSavings: Usd
}

/** Picodollars per token of each rate, parsed once per rates object (benchmarks make millions). */
const PER_TOKEN = new WeakMap<FactoryRates, { input: bigint; cacheRead: bigint; output: bigint }>()

/** Exact cost: a rate of R USD per 1M tokens is R x 1e6 picodollars per token. */
function priceOf(
  rates: FactoryRates,
  usage: { inputTokens: number; cacheReadTokens: number; outputTokens: number },
): Priced {
  let perToken = PER_TOKEN.get(rates)
  if (!perToken) {
    perToken = {
      input: parseScaled(rates.input, 6),
      cacheRead: parseScaled(rates.cacheRead, 6),
      output: parseScaled(rates.output, 6),
    }
    PER_TOKEN.set(rates, perToken)
  }
  const input = BigInt(usage.inputTokens - usage.cacheReadTokens) * perToken.input
  const cacheRead = BigInt(usage.cacheReadTokens) * perToken.cacheRead
  const output = BigInt(usage.outputTokens) * perToken.output
  const savings = BigInt(usage.cacheReadTokens) * (perToken.input - perToken.cacheRead)
  return {
    total: usdFromPico(input + cacheRead + output),
    breakdown: {
      input: usdFromPico(input),
      cacheRead: usdFromPico(cacheRead),
      cacheWrite: usdFromPico(0n),
      output: usdFromPico(output),
    },
    cacheSavings: usdFromPico(savings),
  }
}

const HEX_DIGITS = '0123456789abcdef'

/** A UUID-v4-shaped id whose last group holds the seed and index, so it is unique per factory. */
function uuidLike(random: () => number, seed: number, index: number): string {
  // One draw per digit, as before (ids stay the same for a seed), without per-digit arrays.
  const hex = (digits: number) => {
    let text = ''
    for (let i = 0; i < digits; i++) text += HEX_DIGITS[Math.floor(random() * 16)]
    return text
  }
  const variant = HEX_DIGITS[8 + Math.floor(random() * 4)]
  const tail = seed.toString(16).padStart(4, '0') + index.toString(16).padStart(8, '0')
  return `${hex(8)}-${hex(4)}-4${hex(3)}-${variant}${hex(3)}-${tail}`
}
