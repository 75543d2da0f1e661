/**
 * @module @tokenledger/budget: budgets that stop spend before it happens. Definitions (a file or
 * the `budgets` option of `createMeter`), the check that reserves a call's worst case in the shared
 * ledger before it is sent, and each budget's standing for the CLI and the dashboard.
 */
export { budgetSchema, budgetsConfigSchema, parseBudgetsConfig } from './budget-definition.js'
export type {
  BudgetDefinition,
  BudgetFallback,
  BudgetPeriod,
  BudgetScope,
  BudgetsConfig,
} from './budget-definition.js'
export { loadBudgetsFile, parseBudgetsText } from './budget-file.js'
export { periodWindow } from './budget-period.js'
export type { PeriodWindow } from './budget-period.js'
export { worstCaseCost } from './worst-case-cost.js'
export type { WorstCase, WorstCaseInput } from './worst-case-cost.js'
export { budgetDetails, budgetExceeded } from './budget-exceeded.js'
export type { BudgetExceededDetails } from './budget-exceeded.js'
export type { PromptToCount, PromptTokenCounter } from './prompt-counter.js'
export { createBudgetGuard } from './budget-guard.js'
export type { BudgetGuard, BudgetGuardOptions, GuardedCall, OnBudgetError } from './budget-guard.js'
export { budgetStatus } from './budget-status.js'
export type { BudgetStatus, BudgetStatusOptions } from './budget-status.js'
