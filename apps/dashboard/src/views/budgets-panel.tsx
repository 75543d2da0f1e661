/**
 * The budgets panel: each budget's spent, reserved, left and reset time, the ones at risk first
 * (as `budgetStatus` orders them). Shown when a meter or proxy has declared budgets in the ledger.
 */
import type { BudgetStatus } from '@tokenledger/budget'
import type { FC } from 'hono/jsx'
import { formatCount, formatUsd } from '../format.js'
import { LocalTime } from './calls-table.js'
import { HeaderRow } from './header-row.js'

/** A budget at or above this share of its limit is shown as at risk. */
export const AT_RISK_PERCENT = 80

function scopeText(budget: BudgetStatus): string {
  const { tags, provider, model } = budget.definition.scope
  const parts = [
    ...(provider ? [`provider=${provider}`] : []),
    ...(model ? [`model=${model}`] : []),
    ...Object.entries(tags ?? {}).map(([key, value]) => `${key}=${value}`),
  ]
  return parts.length === 0 ? 'every call' : parts.join(' ')
}

function periodText(budget: BudgetStatus): string {
  const { period, timeZone } = budget.definition
  return typeof period === 'object'
    ? `last ${period.rollingHours} h`
    : `per ${period} (${timeZone ?? 'UTC'})`
}

/** The budgets table (nothing when no budget is declared). */
export const BudgetsPanel: FC<{ budgets: BudgetStatus[] | { error: string } }> = ({ budgets }) => {
  if ('error' in budgets) {
    return (
      <section class="panel" id="budgets" data-testid="budgets">
        <h2>Budgets</h2>
        <p class="field-problem" role="alert">
          The budgets could not be read: {budgets.error}
        </p>
      </section>
    )
  }
  if (budgets.length === 0) return null
  return (
    <section class="panel" id="budgets" data-testid="budgets">
      <div class="panel-head">
        <h2>Budgets</h2>
        <span class="muted small">at risk first; spent + reserved against the limit</span>
      </div>
      <div class="table-wrap" tabindex={0}>
        <table class="data">
          <thead>
            <HeaderRow
              columns={[
                'Budget',
                'Scope',
                'Period',
                { num: 'Limit' },
                { num: 'Spent' },
                { num: 'Reserved' },
                { num: 'Left' },
                { num: 'Used' },
                'Resets',
              ]}
            />
          </thead>
          <tbody>
            {budgets.map((budget) => {
              const risk = Number.parseFloat(budget.usedPercent) >= AT_RISK_PERCENT
              return (
                <tr class={risk ? 'at-risk' : undefined} data-budget={budget.id}>
                  <td>
                    {budget.id}
                    {budget.definition.action === 'warn' ? (
                      <span class="muted small"> (warns)</span>
                    ) : null}
                  </td>
                  <td class="small">{scopeText(budget)}</td>
                  <td class="small">{periodText(budget)}</td>
                  <td class="num money" title={`$${budget.limit}`}>
                    {formatUsd(budget.limit)}
                  </td>
                  <td class="num money" title={`$${budget.spent}`} data-value={budget.spent}>
                    {formatUsd(budget.spent)}
                    {budget.unpricedCalls > 0 ? (
                      <span class="warn small" title="calls whose cost is unknown are not in spent">
                        {' '}
                        + {formatCount(budget.unpricedCalls)} unpriced
                      </span>
                    ) : null}
                  </td>
                  <td class="num money" title={`$${budget.reserved}`} data-value={budget.reserved}>
                    {formatUsd(budget.reserved)}
                  </td>
                  <td
                    class={`num money${risk ? ' warn' : ''}`}
                    title={`$${budget.left}`}
                    data-value={budget.left}
                  >
                    {formatUsd(budget.left)}
                  </td>
                  <td class={`num${risk ? ' warn' : ''}`}>{budget.usedPercent}%</td>
                  <td class="nowrap">
                    {budget.resetsAt === null ? 'rolling' : <LocalTime iso={budget.resetsAt} />}
                  </td>
                </tr>
              )
            })}
          </tbody>
        </table>
      </div>
    </section>
  )
}
