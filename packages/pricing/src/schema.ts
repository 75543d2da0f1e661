/**
 * The shape of a pricing file (`pricing/<provider>.json`) and of a user override file. Types are
 * inferred from these schemas; `pricing/provider.schema.json` is generated from them
 * (`pnpm --filter @tokenledger/pricing gen:schema`), and a test fails when it is stale.
 */
import { z } from 'zod'
import { type InstantOptions, readInstant } from './instant.js'
import { RATE_DECIMALS } from './money.js'

const rateDecimal = z
  .string({ error: (issue) => `expected a decimal string, got ${JSON.stringify(issue.input)}` })
  .regex(/^\d+(\.\d+)?$/, {
    error: (issue) => `expected a non-negative decimal string, got ${JSON.stringify(issue.input)}`,
  })
  .refine((value) => (value.split('.')[1] ?? '').replace(/0+$/, '').length <= RATE_DECIMALS, {
    error: `at most ${RATE_DECIMALS} decimal places (rates are exact to 1e-6 USD per 1M tokens)`,
  })

/** Adds the strict parser's problem as the issue: the shape alone let 2026-02-30 through. */
const checkInstant = (options: InstantOptions) => (value: string, ctx: z.RefinementCtx) => {
  const result = readInstant(value, options)
  if (!result.ok) ctx.addIssue({ code: 'custom', message: result.problem })
}

const isoInstant = z
  .string()
  .refine(
    (value) => /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2}))?$/.test(value),
    {
      error: 'expected an ISO date or date-time with a zone (e.g. 2026-04-24T00:00:00Z)',
      abort: true,
    },
  )
  .superRefine(checkInstant({ requireZone: true }))

const isoDate = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, { error: 'expected a date YYYY-MM-DD', abort: true })
  .superRefine(checkInstant({ dateOnly: true }))

/** Rates in USD per 1M tokens. Input and output are required: a card with unknown prices is no card. */
export const ratesSchema = z.strictObject({
  input: rateDecimal.describe('Fresh (uncached) input tokens'),
  output: rateDecimal.describe('Output tokens, reasoning included unless `reasoning` is set'),
  cacheRead: rateDecimal.optional().describe('Cached input tokens read'),
  cacheWrite5m: rateDecimal
    .optional()
    .describe('Input tokens written to a 5-minute cache (the default TTL)'),
  cacheWrite1h: rateDecimal.optional().describe('Input tokens written to a 1-hour cache'),
  reasoning: rateDecimal.optional().describe('Reasoning tokens, when billed apart from output'),
  audioInput: rateDecimal
    .optional()
    .describe(
      'Fresh audio input tokens (OpenAI `prompt_tokens_details.audio_tokens`); the input rate when absent',
    ),
  imageInput: rateDecimal
    .optional()
    .describe(
      'Fresh image input tokens (Gemini `promptTokensDetails` IMAGE); the input rate when absent',
    ),
  audioOutput: rateDecimal
    .optional()
    .describe(
      'Audio output tokens (`completion_tokens_details.audio_tokens`); the output rate when absent',
    ),
  request: rateDecimal
    .optional()
    .describe('A fee per request in USD (NOT per 1M tokens), e.g. OpenRouter `pricing.request`'),
})

export const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const

const clock = z
  .string()
  .regex(/^([01]\d|2[0-3]):[0-5]\d$/, { error: 'expected a time HH:MM (00:00-23:59)' })

export const tierSchema = z.strictObject({
  above: z
    .number()
    .int()
    .positive()
    .describe('Prompt tokens (cached included) above which the WHOLE request takes these rates'),
  rates: ratesSchema,
})

const multiplier = z
  .string()
  .regex(/^\d+(\.\d{1,6})?$/, { error: 'expected a decimal multiplier string such as "0.5"' })

/**
 * A time-of-day price: explicit `rates`, or a `multiplier` on the card's rates (after its tier).
 * `except` lists local dates (in `timezone`, the date the window starts on) when it does not apply.
 * @example
 * // DeepSeek V4 from 2026-09: off-peak is the card's rates; weekday peak hours (Beijing time) cost
 * // double, except on Chinese public holidays.
 * { "name": "peak", "timezone": "Asia/Shanghai", "start": "09:00", "end": "12:00",
 *   "days": ["mon", "tue", "wed", "thu", "fri"], "except": ["2026-10-01", "2026-10-02"], "multiplier": "2" }
 */
export const windowSchema = z
  .strictObject({
    name: z.string().min(1).describe('e.g. "off-peak"'),
    timezone: z
      .string()
      .min(1)
      .refine(isTimeZone, { error: 'expected an IANA time zone such as UTC or Asia/Shanghai' }),
    start: clock.describe('Local start time, inclusive'),
    end: clock.describe(
      'Local end time, exclusive; earlier than start means the window wraps past midnight',
    ),
    days: z
      .array(z.enum(WEEKDAYS))
      .min(1)
      .optional()
      .describe('Weekdays the window starts on; all days when absent'),
    except: z
      .array(isoDate)
      .min(1)
      .optional()
      .describe(
        'Local dates (the day the window starts on) when the window does not apply: public holidays',
      ),
    rates: ratesSchema
      .optional()
      .describe('The prices in the window; they replace the tier-selected rates'),
    multiplier: multiplier
      .optional()
      .describe('Or: a factor on the tier-selected rates, e.g. "2" for peak hours at double'),
  })
  .refine((window) => (window.rates === undefined) !== (window.multiplier === undefined), {
    error: 'a window has either `rates` or `multiplier`, exactly one of them',
  })

export const SERVICE_TIERS = ['standard', 'batch', 'flex', 'priority'] as const
export type ServiceTier = (typeof SERVICE_TIERS)[number]

export const serviceTierSchema = z.union([
  z.strictObject({
    multiplier: multiplier.describe(
      'Applied to every rate of the matching card, e.g. "0.5" for 50%',
    ),
  }),
  z.strictObject({ rates: ratesSchema }),
])

/** Where an imported card comes from: the catalog and its snapshot's date or version. */
export const CATALOG_NAMES = ['genai-prices', 'litellm', 'openrouter'] as const
export type CatalogName = (typeof CATALOG_NAMES)[number]

export const catalogRefSchema = z.strictObject({
  name: z.enum(CATALOG_NAMES),
  snapshot: z.string().min(1).describe("The snapshot's date (YYYY-MM-DD) or version"),
})

/**
 * One rate card. Variants apply in this order: prompt-size tier, time window, service tier, region.
 * @example
 * // Bedrock in a regional (not global) endpoint costs 10% more:
 * { "from": "2026-09-01T00:00:00Z", "source": "https://aws.amazon.com/bedrock/pricing/", "checked": "2026-09-01",
 *   "rates": { "input": "3", "output": "15" }, "regions": { "us": { "multiplier": "1.1" } } }
 * // OpenRouter bills a fee per request beside the tokens: "rates": { "input": "1", "output": "1", "request": "0.005" }
 */
export const cardSchema = z.strictObject({
  from: isoInstant.describe('When these prices took effect (UTC unless a zone is given)'),
  source: z
    .string()
    .min(1)
    .describe(
      'Where the prices come from: a URL a user can open (required in the bundled table); a contract name in an override',
    ),
  checked: isoDate.describe('The date the source was checked'),
  note: z.string().optional(),
  rates: ratesSchema,
  tiers: z.array(tierSchema).optional(),
  windows: z.array(windowSchema).optional(),
  serviceTiers: z
    .partialRecord(z.enum(['batch', 'flex', 'priority']), serviceTierSchema)
    .optional(),
  regions: z
    .record(
      z.string().regex(/^[a-z0-9][a-z0-9-]*$/, {
        error: 'expected a lower-case region id such as "us" or "eu-west-1"',
      }),
      serviceTierSchema,
    )
    .optional()
    .describe(
      'Regional prices: a multiplier or explicit rates per region; regions not listed pay the card rates',
    ),
  catalog: catalogRefSchema
    .optional()
    .describe('Set on imported cards: the catalog and snapshot they come from'),
})

export const modelSchema = z.strictObject({
  id: z
    .string()
    .min(1)
    .describe('Canonical model id, shared by every provider that serves the model'),
  name: z.string().optional(),
  aliases: z
    .array(z.string().min(1))
    .optional()
    .describe("Other ids this provider's API accepts or returns"),
  contextWindow: z.number().int().positive().optional(),
  maxOutput: z.number().int().positive().optional(),
  reasoning: z
    .boolean()
    .optional()
    .describe('The model thinks before answering (reasoning tokens)'),
  note: z.string().optional(),
  cards: z.array(cardSchema).describe('Rate cards, any order; empty when the price is unknown'),
})

export const USAGE_STYLES = ['openai', 'deepseek', 'openrouter', 'anthropic', 'gemini'] as const
export type UsageStyle = (typeof USAGE_STYLES)[number]

export const providerSchema = z.strictObject({
  $schema: z.string().optional(),
  id: z
    .string()
    .regex(/^[a-z0-9][a-z0-9-]*$/, { error: 'expected a lower-case id such as "openrouter"' }),
  name: z.string().min(1),
  apiBaseUrls: z
    .array(z.url())
    .describe('Base URLs of the API; the provider is detected from them'),
  apiHosts: z
    .array(
      z.string().regex(/^[a-z0-9*][a-z0-9*.-]*$/, {
        error: 'expected a lower-case host pattern such as "*.openai.azure.com"',
      }),
    )
    .optional()
    .describe(
      'Host patterns for per-account API hosts (Azure, Bedrock, Vertex); `*` matches one DNS label or part of one',
    ),
  usageStyle: z.enum(USAGE_STYLES),
  reportsCost: z.boolean().describe('The API returns its own cost of each call'),
  pricingUrl: z.url().optional(),
  note: z.string().optional(),
  models: z.array(modelSchema),
})

/** A user override file: one provider, or several. Merged over the bundled table. */
export const overrideSchema = z.union([
  providerSchema,
  z.strictObject({ $schema: z.string().optional(), providers: z.array(providerSchema) }),
])

export type Rates = z.infer<typeof ratesSchema>
export type Tier = z.infer<typeof tierSchema>
export type TimeWindow = z.infer<typeof windowSchema>
export type RateCardData = z.infer<typeof cardSchema>
export type ModelData = z.infer<typeof modelSchema>
export type ProviderData = z.infer<typeof providerSchema>
export type Weekday = (typeof WEEKDAYS)[number]

function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone })
    return true
  } catch {
    return false
  }
}
