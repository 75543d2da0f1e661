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

export const windowSchema = z.strictObject({
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
  rates: ratesSchema,
})

export const SERVICE_TIERS = ['standard', 'batch', 'flex', 'priority'] as const
export type ServiceTier = (typeof SERVICE_TIERS)[number]

const multiplier = z
  .string()
  .regex(/^\d+(\.\d{1,6})?$/, { error: 'expected a decimal multiplier string such as "0.5"' })

export const serviceTierSchema = z.union([
  z.strictObject({
    multiplier: multiplier.describe(
      'Applied to every rate of the matching card, e.g. "0.5" for 50%',
    ),
  }),
  z.strictObject({ rates: ratesSchema }),
])

export const cardSchema = z.strictObject({
  from: isoInstant.describe('When these prices took effect (UTC unless a zone is given)'),
  source: z.string().min(1).describe('URL or seed file the prices come from'),
  checked: isoDate.describe('The date the source was checked'),
  note: z.string().optional(),
  rates: ratesSchema,
  tiers: z.array(tierSchema).optional(),
  windows: z.array(windowSchema).optional(),
  serviceTiers: z
    .partialRecord(z.enum(['batch', 'flex', 'priority']), serviceTierSchema)
    .optional(),
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
