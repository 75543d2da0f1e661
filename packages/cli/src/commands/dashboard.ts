import { Command, Option } from 'commander'
import { CliExit } from '../cli-exit.js'
import {
  hostOption,
  listenError,
  portOption,
  resolveToken,
  tokenOption,
  untilStopped,
} from '../server-flags.js'
import { dbOption } from '../shared-flags.js'

interface DashboardOptions {
  db?: string
  host: string
  port: number
  token?: string
  allowHost?: string[]
}

/**
 * `tokenledger dashboard`: serves the spend dashboard on a ledger, opened read-only. Binds
 * 127.0.0.1 unless told otherwise; `--token` (or TOKENLEDGER_DASHBOARD_TOKEN) requires an access
 * token. Runs until SIGINT / SIGTERM.
 */
export function dashboardCommand(): Command {
  return new Command('dashboard')
    .description('serve the spend dashboard on a ledger (read-only; SQLite or PostgreSQL)')
    .addOption(dbOption())
    .addOption(hostOption())
    .addOption(portOption(8787))
    .addOption(tokenOption('require this access token', 'TOKENLEDGER_DASHBOARD_TOKEN'))
    .addOption(
      new Option(
        '--allow-host <name>',
        'without a token, also answer requests for this Host name (loopback names always); repeatable',
      ).argParser((value: string, previous: string[] | undefined) => [...(previous ?? []), value]),
    )
    .action(async (options: DashboardOptions) => {
      const token = resolveToken(options.token, 'TOKENLEDGER_DASHBOARD_TOKEN')
      // Loaded on demand: the server stack (hono, the store) costs every other command startup time.
      const { isLoopbackHost, startDashboard } = await import('@tokenledger/dashboard')
      if (token === undefined && !isLoopbackHost(options.host.replace(/^\[|\]$/g, ''))) {
        throw new CliExit(
          1,
          `error: --host ${options.host} would expose the ledger beyond this machine without a token; set --token or TOKENLEDGER_DASHBOARD_TOKEN, or bind 127.0.0.1`,
        )
      }
      let dashboard: Awaited<ReturnType<typeof startDashboard>>
      try {
        dashboard = await startDashboard({
          ...(options.db !== undefined ? { db: options.db } : {}),
          host: options.host,
          port: options.port,
          ...(token !== undefined ? { token } : {}),
          ...(options.allowHost !== undefined ? { allowedHosts: options.allowHost } : {}),
          onError: (error) =>
            process.stderr.write(
              `dashboard: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
            ),
        })
      } catch (error) {
        throw listenError(error, options) ?? error
      }
      process.stdout.write(`tokenledger dashboard: ${dashboard.openUrl}\n`)
      process.stderr.write('(Ctrl+C to stop)\n')
      await untilStopped()
      await dashboard.close()
    })
}
