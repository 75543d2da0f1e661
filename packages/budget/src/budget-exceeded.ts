/**
 * The BUDGET_EXCEEDED error: the library throws it, the proxy answers 429 with the same facts.
 * Its `details` are machine-readable: budget, spent, reserved, limit, requested (the call's worst
 * case), resetsAt (ISO, null for a rolling window), all money as exact USD decimal strings.
 */
import { picoFromUsd, TokenledgerError, usdFromPico } from '@tokenledger/pricing'
import type { BudgetStanding } from '@tokenledger/store'
import type { BudgetDefinition } from './budget-definition.js'
import { periodWindow } from './budget-period.js'

/** The facts of a refused (or warned) call. */
export interface BudgetExceededDetails {
  budget: string
  action: 'block' | 'warn'
  spent: string
  reserved: string
  limit: string
  requested: string
  resetsAt: string | null
}

/** Builds the BUDGET_EXCEEDED error of a budget the call would pass. */
export function budgetExceeded(
  definition: BudgetDefinition,
  standing: BudgetStanding,
  requestedPico: bigint,
  now: Date,
): TokenledgerError {
  const window = periodWindow(definition.period, definition.timeZone ?? 'UTC', now)
  const details: BudgetExceededDetails = {
    budget: definition.id,
    action: definition.action,
    spent: usdFromPico(standing.spentPico),
    reserved: usdFromPico(standing.reservedPico),
    limit: usdFromPico(picoFromUsd(definition.limit)),
    requested: usdFromPico(requestedPico),
    resetsAt: window.resetsAt?.toISOString() ?? null,
  }
  const resets = details.resetsAt
    ? `resets at ${details.resetsAt}`
    : `rolling ${(definition.period as { rollingHours: number }).rollingHours} h window`
  const verb = definition.action === 'block' ? 'call not sent' : 'call sent (warn)'
  return new TokenledgerError(
    'BUDGET_EXCEEDED',
    `budget ${definition.id}: spent ${details.spent} + reserved ${details.reserved} + this call's worst case ${details.requested} USD would pass the limit of ${details.limit} USD; ${verb}; ${resets}`,
    { details: { ...details } },
  )
}

/** True when `error` is a BUDGET_EXCEEDED error carrying its details. */
export function budgetDetails(error: unknown): BudgetExceededDetails | null {
  if (!(error instanceof TokenledgerError) || error.code !== 'BUDGET_EXCEEDED' || !error.details)
    return null
  return error.details as unknown as BudgetExceededDetails
}
