import { Command, CommanderError } from 'commander'
import { isTokenledgerError } from '@tokenledger/pricing'
import { registerCommands } from './commands/index.js'
import { CliExit } from './cli-exit.js'

/** Builds the `tokenledger` program with every command registered. */
export function createProgram(): Command {
  const program = new Command('tokenledger')
    .description('Exact cost of LLM calls: prices, metering ledger, estimates, dashboard')
    .version('0.1.0')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride()
  registerCommands(program)
  return program
}

/**
 * Runs the CLI and returns the exit code: 0 ok, 1 bad usage or failure, 2 unknown model/provider
 * (nothing to price), other codes as each command documents.
 */
export async function runCli(argv: readonly string[]): Promise<number> {
  try {
    await createProgram().parseAsync([...argv])
    return 0
  } catch (error) {
    if (error instanceof CliExit) {
      if (error.message) process.stderr.write(`${error.message}\n`)
      return error.exitCode
    }
    if (error instanceof CommanderError) {
      // Commander already printed its message (help, version, or a usage error).
      return error.exitCode
    }
    if (isTokenledgerError(error)) {
      process.stderr.write(`error: ${error.message}\n`)
      return error.code === 'MODEL_UNKNOWN' ? 2 : 1
    }
    process.stderr.write(
      `error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    )
    return 1
  }
}
