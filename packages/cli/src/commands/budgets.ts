import { Command, Option } from 'commander'
import { type BudgetStatus, budgetStatus, loadBudgetsFile } from '@tokenledger/budget'
import { openStore } from '@tokenledger/store'
import { formatUsd } from '../render/format.js'
import { printRows } from '../render/output.js'
import { dbOption, jsonOption } from '../shared-flags.js'

interface BudgetsOptions {
  db?: string
  budgets?: string
  json?: boolean
}

/**
 * `tokenledger budgets`: each budget's spent, reserved, left and reset time, the budgets at risk
 * first. The budgets are those a meter or proxy last declared in the ledger, or `--budgets FILE`.
 * Opens the ledger read-only.
 */
export function budgetsCommand(): Command {
  return new Command('budgets')
    .description("each budget's spent, reserved, left and reset time (at risk first)")
    .addOption(dbOption())
    .addOption(
      new Option('--budgets <file>', 'budgets file (default: the budgets declared in the ledger)'),
    )
    .addOption(jsonOption())
    .action(async (options: BudgetsOptions) => {
      const definitions =
        options.budgets === undefined ? undefined : (await loadBudgetsFile(options.budgets)).budgets
      const store = await openStore(options.db, { readOnly: true })
      try {
        const rows = await budgetStatus(
          store,
          definitions === undefined ? {} : { budgets: definitions },
        )
        printRows(rows, options.json ? 'json' : 'table', {
          table: [
            { header: 'budget', value: (row: BudgetStatus) => row.id },
            { header: 'scope', value: (row) => scopeText(row) },
            { header: 'period', value: (row) => periodText(row) },
            { header: 'action', value: (row) => row.definition.action },
            { header: 'limit', value: (row) => formatUsd(row.limit), align: 'right' },
            { header: 'spent', value: (row) => formatUsd(row.spent), align: 'right' },
            { header: 'reserved', value: (row) => formatUsd(row.reserved), align: 'right' },
            { header: 'left', value: (row) => formatUsd(row.left), align: 'right' },
            { header: 'used', value: (row) => `${row.usedPercent}%`, align: 'right' },
            { header: 'resets', value: (row) => row.resetsAt ?? 'rolling' },
            { header: 'unpriced', value: (row) => String(row.unpricedCalls), align: 'right' },
          ],
          json: (row) => row,
          csv: {},
          empty:
            'no budgets: pass --budgets FILE, or start a meter or proxy with budgets on this ledger',
        })
      } finally {
        await store.close()
      }
    })
}

function scopeText(row: BudgetStatus): string {
  const { tags, provider, model } = row.definition.scope
  const parts = [
    ...(provider ? [`provider=${provider}`] : []),
    ...(model ? [`model=${model}`] : []),
    ...Object.entries(tags ?? {}).map(([key, value]) => `${key}=${value}`),
  ]
  return parts.length === 0 ? 'everything' : parts.join(' ')
}

function periodText(row: BudgetStatus): string {
  const { period, timeZone } = row.definition
  return typeof period === 'object'
    ? `last ${period.rollingHours} h`
    : `${period} (${timeZone ?? 'UTC'})`
}
