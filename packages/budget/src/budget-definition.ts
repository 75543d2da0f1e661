/**
 * What a budget is: a scope (tag values, provider, model, or everything), a limit in USD as a
 * decimal string, a period (day, week or month in a time zone, or a rolling window of hours) and
 * an action (`block`: the call is not sent; `warn`: reported, sent). Checked with zod; every
 * message names the place (`budgets[1] (team-search).limit: ...`).
 */
import { formatPath, isDecimalString, TokenledgerError } from '@tokenledger/pricing'
import { z } from 'zod'

/** A calendar period in the budget's time zone, or a window of the last N hours. */
export type BudgetPeriod = 'day' | 'week' | 'month' | { rollingHours: number }

/** Which calls a budget counts. Empty: every call. */
export interface BudgetScope {
  /** Every listed tag must be on the call with this value. */
  tags?: Record<string, string>
  /** Provider id of the pricing table. */
  provider?: string
  /** Canonical model id (as the ledger records it), or an alias of `provider`. */
  model?: string
}

/** One budget. */
export interface BudgetDefinition {
  /** A short id: letters, digits, `.`, `_`, `-`. */
  id: string
  scope: BudgetScope
  /** USD, a decimal string such as `"25"` or `"0.50"`. */
  limit: string
  period: BudgetPeriod
  /** IANA time zone of calendar periods (weeks start on Monday). @default 'UTC' */
  timeZone?: string
  action: 'block' | 'warn'
}

/** What to do with a call a budget cannot price, or when the ledger is unreachable. */
export type BudgetFallback = 'allow' | 'block'

/** A budgets file (or the `budgets` option). */
export interface BudgetsConfig {
  budgets: BudgetDefinition[]
  /** A call of an unpriced model (or with no bound on its output). @default 'allow' (reported) */
  unpriced?: BudgetFallback
  /** The ledger cannot be reached for the check. @default 'allow' (reported) */
  ledgerUnavailable?: BudgetFallback
  /** How long reservations of a process that stopped renewing them still count. @default 30 */
  leaseSeconds?: number
}

const decimal = z
  .string({
    error: (issue) =>
      `expected a decimal string of USD such as "25.00", got ${JSON.stringify(issue.input)}`,
  })
  .refine((value) => isDecimalString(value) && /^\d+(\.\d{1,12})?$/.test(value), {
    error:
      'expected a non-negative decimal string of USD with at most 12 decimals, such as "25.00"',
  })

const timeZone = z.string().refine(
  (zone) => {
    try {
      new Intl.DateTimeFormat('en-US', { timeZone: zone })
      return true
    } catch {
      return false
    }
  },
  { error: 'expected an IANA time zone such as "UTC" or "Europe/Paris"' },
)

export const budgetSchema = z.strictObject({
  id: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/, {
    error: 'expected 1 to 100 letters, digits, ".", "_" or "-"',
  }),
  scope: z
    .strictObject({
      tags: z.record(z.string().min(1).max(128), z.string().max(1024)).optional(),
      provider: z.string().min(1).optional(),
      model: z.string().min(1).optional(),
    })
    .default({}),
  limit: decimal,
  period: z.union(
    [
      z.enum(['day', 'week', 'month']),
      z.strictObject({
        rollingHours: z
          .number()
          .int()
          .min(1)
          .max(24 * 366),
      }),
    ],
    { error: 'expected "day", "week", "month" or { "rollingHours": N }' },
  ),
  timeZone: timeZone.optional(),
  action: z.enum(['block', 'warn']),
})

export const budgetsConfigSchema = z.strictObject({
  $schema: z.string().optional(),
  budgets: z.array(budgetSchema),
  unpriced: z.enum(['allow', 'block']).optional(),
  ledgerUnavailable: z.enum(['allow', 'block']).optional(),
  leaseSeconds: z.number().int().min(1).max(3600).optional(),
})

/**
 * Checks a budgets configuration (a parsed file or the `budgets` option of `createMeter`).
 * @param where names the source in messages (a file name, `createMeter({ budgets })`).
 * @throws TokenledgerError BUDGET_INVALID naming each bad field, or a repeated id.
 */
export function parseBudgetsConfig(
  value: unknown,
  where: string,
  locate?: (path: PropertyKey[]) => string,
): BudgetsConfig {
  const input = Array.isArray(value) ? { budgets: value } : value
  const parsed = budgetsConfigSchema.safeParse(input)
  if (!parsed.success) {
    const lines = parsed.error.issues.slice(0, 10).map((issue) => {
      const at = locate ? locate(issue.path) : ''
      return `${where}${at}: ${formatPath(input, issue.path)}: ${issue.message}`
    })
    throw new TokenledgerError('BUDGET_INVALID', lines.join('\n'))
  }
  const seen = new Set<string>()
  parsed.data.budgets.forEach((budget, i) => {
    if (seen.has(budget.id)) {
      throw new TokenledgerError(
        'BUDGET_INVALID',
        `${where}: budgets[${i}].id: ${JSON.stringify(budget.id)} is used by an earlier budget; ids must be unique`,
      )
    }
    seen.add(budget.id)
  })
  const { $schema: _schema, ...config } = parsed.data
  return config as BudgetsConfig
}
