import type { Command } from 'commander'
import { budgetsCommand } from './budgets.js'
import { costCommand } from './cost.js'
import { dashboardCommand } from './dashboard.js'
import { estimateCommand } from './estimate.js'
import { exportCommand } from './export.js'
import { ledgerCommand } from './ledger.js'
import { pricesCommand } from './prices.js'
import { proxyCommand } from './proxy.js'
import { repriceCommand } from './reprice.js'
import { reportCommand } from './report.js'

/** Every command of the CLI, one line each. */
export function registerCommands(program: Command): void {
  program.addCommand(pricesCommand())
  program.addCommand(costCommand())
  program.addCommand(dashboardCommand())
  program.addCommand(estimateCommand())
  program.addCommand(reportCommand())
  program.addCommand(repriceCommand())
  program.addCommand(proxyCommand())
  program.addCommand(budgetsCommand())
  program.addCommand(exportCommand())
  program.addCommand(ledgerCommand())
}
