import type { Command } from 'commander'
import { costCommand } from './cost.js'
import { dashboardCommand } from './dashboard.js'
import { estimateCommand } from './estimate.js'
import { exportCommand } from './export.js'
import { pricesCommand } from './prices.js'
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
  program.addCommand(exportCommand())
}
