/**
 * Where each budget stands: spent, reserved, left and reset time, for `tokenledger budgets` and
 * the dashboard's budgets panel. Reads the ledger only (works on a read-only store): spent
 * amounts from the rollups, live reservations, and the budgets as last declared by a meter or
 * proxy (or the definitions given).
 */
import { picoFromUsd, type Usd, usdFromPico } from '@tokenledger/pricing'
import {
  type BudgetWindow,
  type LedgerStore,
  loadBudgetDefinitions,
  readStandings,
} from '@tokenledger/store'
import { type BudgetDefinition, parseBudgetsConfig } from './budget-definition.js'
import { periodWindow } from './budget-period.js'

/** One budget's standing. Money is exact USD; `left` is negative only if the limit was passed. */
export interface BudgetStatus {
  id: string
  definition: BudgetDefinition
  limit: Usd
  spent: Usd
  reserved: Usd
  /** limit - spent - reserved. */
  left: Usd
  /** (spent + reserved) / limit in percent, one decimal, rounded down ("100.0" and above: exhausted). */
  usedPercent: string
  /** Start of the current period (ISO). */
  periodStart: string
  /** When the period resets (ISO); null for a rolling window. */
  resetsAt: string | null
  /** Calls of the period that could not be priced (their cost is unknown, not in `spent`). */
  unpricedCalls: number
}

/** Options of `budgetStatus`. */
export interface BudgetStatusOptions {
  /** The budgets to report on. @default those declared in the ledger */
  budgets?: BudgetDefinition[]
  /** @default now */
  now?: Date
}

/**
 * Each budget's spent, reserved, left and reset time, the budgets at risk first (highest share of
 * the limit used), then by id.
 * @throws TokenledgerError BUDGET_INVALID for a bad definition given (or stored).
 * @example
 * for (const b of await budgetStatus(store)) console.log(b.id, b.spent, b.left, b.resetsAt)
 */
export async function budgetStatus(
  store: LedgerStore,
  options: BudgetStatusOptions = {},
): Promise<BudgetStatus[]> {
  const now = options.now ?? new Date()
  const budgets =
    options.budgets ??
    parseBudgetsConfig(
      (await loadBudgetDefinitions(store)).map((row) => JSON.parse(row.definition) as unknown),
      'ledger budget_definitions',
    ).budgets
  const windows = budgets.map((definition) => {
    const period = periodWindow(definition.period, definition.timeZone ?? 'UTC', now)
    const window: BudgetWindow = {
      id: definition.id,
      query: {
        since: period.since,
        ...(definition.scope.provider ? { provider: definition.scope.provider } : {}),
        ...(definition.scope.model ? { model: definition.scope.model } : {}),
        ...(definition.scope.tags ? { tags: definition.scope.tags } : {}),
      },
    }
    return { definition, period, window }
  })
  const standings = await readStandings(
    store,
    windows.map((w) => w.window),
  )
  const rows = windows.map(({ definition, period }, i) => {
    const standing = standings[i]!
    const limit = picoFromUsd(definition.limit)
    const used = standing.spentPico + standing.reservedPico
    return {
      used,
      limitPico: limit,
      status: {
        id: definition.id,
        definition,
        limit: usdFromPico(limit),
        spent: usdFromPico(standing.spentPico),
        reserved: usdFromPico(standing.reservedPico),
        left: usdFromPico(limit - used),
        usedPercent: percent(used, limit),
        periodStart: period.since.toISOString(),
        resetsAt: period.resetsAt?.toISOString() ?? null,
        unpricedCalls: standing.unpricedCalls,
      } satisfies BudgetStatus,
    }
  })
  // At risk first: compare used/limit exactly (cross-multiplied); a zero limit is fully used.
  rows.sort((a, b) => {
    const left = a.used * b.limitPico
    const right = b.used * a.limitPico
    if (left !== right) return left > right ? -1 : 1
    return a.status.id < b.status.id ? -1 : a.status.id > b.status.id ? 1 : 0
  })
  return rows.map((row) => row.status)
}

function percent(used: bigint, limit: bigint): string {
  if (limit === 0n) return used > 0n ? '100.0' : '0.0'
  const tenths = (used * 1000n) / limit
  return `${tenths / 10n}.${tenths % 10n}`
}
