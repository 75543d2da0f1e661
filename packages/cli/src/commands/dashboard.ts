import { Command, InvalidArgumentError, Option } from 'commander'
import { dbOption } from '../shared-flags.js'

interface DashboardOptions {
  db?: string
  host: string
  port: number
  token?: string
}

const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost'])

function parsePort(value: string): number {
  const port = Number(value)
  if (!/^\d{1,5}$/.test(value) || port > 65535) {
    throw new InvalidArgumentError(
      `--port: expected a port number 0..65535 (0 picks a free port), got "${value}"`,
    )
  }
  return port
}

function parseToken(value: string): string {
  if (value.length < 8 || /\s/.test(value)) {
    throw new InvalidArgumentError('--token: expected at least 8 characters without spaces')
  }
  return value
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
    .addOption(
      new Option('--host <host>', 'interface to bind; anything but loopback needs a token').default(
        '127.0.0.1',
      ),
    )
    .addOption(
      new Option('--port <n>', 'TCP port (0 picks a free one)').default(8787).argParser(parsePort),
    )
    .addOption(
      new Option(
        '--token <token>',
        'require this access token (default: $TOKENLEDGER_DASHBOARD_TOKEN)',
      ).argParser(parseToken),
    )
    .action(async (options: DashboardOptions) => {
      const envToken = process.env['TOKENLEDGER_DASHBOARD_TOKEN']
      const token = options.token ?? (envToken ? parseToken(envToken) : undefined)
      if (!LOOPBACK.has(options.host) && token === undefined) {
        process.stderr.write(
          `warning: --host ${options.host} exposes the ledger beyond this machine without a token; set --token or TOKENLEDGER_DASHBOARD_TOKEN\n`,
        )
      }
      // Loaded on demand: the server stack (hono, the store) costs every other command startup time.
      const { startDashboard } = await import('@tokenledger/dashboard')
      const dashboard = await startDashboard({
        ...(options.db !== undefined ? { db: options.db } : {}),
        host: options.host,
        port: options.port,
        ...(token !== undefined ? { token } : {}),
        onError: (error) =>
          process.stderr.write(
            `dashboard: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
          ),
      })
      process.stdout.write(`tokenledger dashboard: ${dashboard.openUrl}\n`)
      process.stderr.write('(Ctrl+C to stop)\n')
      await new Promise<void>((resolve) => {
        process.once('SIGINT', () => resolve())
        process.once('SIGTERM', () => resolve())
      })
      await dashboard.close()
    })
}
