import { Command, InvalidArgumentError, Option } from 'commander'
import { CliExit } from '../cli-exit.js'
import { dbOption } from '../shared-flags.js'

interface DashboardOptions {
  db?: string
  host: string
  port: number
  token?: string
  allowHost?: string[]
}

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

function parseEnvToken(value: string): string {
  if (value.length < 8 || /\s/.test(value)) {
    throw new CliExit(
      1,
      'error: TOKENLEDGER_DASHBOARD_TOKEN: expected at least 8 characters without spaces',
    )
  }
  return value
}

/** One line for a port that cannot be bound (in use, or privileged), instead of a stack trace. */
function listenError(error: unknown, options: DashboardOptions): CliExit | null {
  const code = (error as NodeJS.ErrnoException | null)?.code
  const where = `${options.host}:${options.port}`
  if (code === 'EADDRINUSE') {
    return new CliExit(
      1,
      `error: --port ${options.port}: ${where} is already in use; pick another port (0 picks a free one)`,
    )
  }
  if (code === 'EACCES') {
    return new CliExit(
      1,
      `error: --port ${options.port}: not allowed to listen on ${where}; use a port above 1023`,
    )
  }
  if (code === 'EADDRNOTAVAIL') {
    return new CliExit(1, `error: --host ${options.host}: no such address on this machine`)
  }
  return null
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
    .addOption(
      new Option(
        '--allow-host <name>',
        'without a token, also answer requests for this Host name (loopback names always); repeatable',
      ).argParser((value: string, previous: string[] | undefined) => [...(previous ?? []), value]),
    )
    .action(async (options: DashboardOptions) => {
      const envToken = process.env['TOKENLEDGER_DASHBOARD_TOKEN']
      if (options.token === undefined && envToken === '') {
        throw new CliExit(
          1,
          'error: TOKENLEDGER_DASHBOARD_TOKEN is set but empty; unset it, or set a token of at least 8 characters',
        )
      }
      const token = options.token ?? (envToken !== undefined ? parseEnvToken(envToken) : undefined)
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
      await new Promise<void>((resolve) => {
        process.once('SIGINT', () => resolve())
        process.once('SIGTERM', () => resolve())
      })
      await dashboard.close()
    })
}
