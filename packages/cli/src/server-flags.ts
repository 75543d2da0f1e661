/**
 * The flags and start-up rules the two servers (`dashboard`, `proxy`) share: where to bind, the
 * access token (flag or environment variable), one line for a port that cannot be bound, and
 * running until SIGINT / SIGTERM.
 */
import { InvalidArgumentError, Option } from 'commander'
import { CliExit } from './cli-exit.js'

/** What a token must look like: long enough not to be guessed in a few tries, no white space. */
const TOKEN_RULE = 'at least 8 characters without spaces'
const validToken = (value: string) => value.length >= 8 && !/\s/.test(value)

export const hostOption = () =>
  new Option('--host <host>', 'interface to bind; anything but loopback needs a token').default(
    '127.0.0.1',
  )

export const portOption = (defaultPort: number) =>
  new Option('--port <n>', 'TCP port (0 picks a free one)')
    .default(defaultPort)
    .argParser((value: string): number => {
      if (!/^\d{1,5}$/.test(value) || Number(value) > 65535) {
        throw new InvalidArgumentError(
          `--port: expected a port number 0..65535 (0 picks a free port), got "${value}"`,
        )
      }
      return Number(value)
    })

/** `--token`, defaulting to the environment variable `envName`. */
export const tokenOption = (description: string, envName: string) =>
  new Option('--token <token>', `${description} (default: $${envName})`).argParser(
    (value: string): string => {
      if (!validToken(value)) throw new InvalidArgumentError(`--token: expected ${TOKEN_RULE}`)
      return value
    },
  )

/**
 * The token in force: the flag's, else the environment variable's. A variable set but empty is an
 * error, not "no token" (it is almost always a deployment that meant to set one).
 */
export function resolveToken(flag: string | undefined, envName: string): string | undefined {
  if (flag !== undefined) return flag
  const value = process.env[envName]
  if (value === undefined) return undefined
  if (value === '') {
    throw new CliExit(
      1,
      `error: ${envName} is set but empty; unset it, or set a token of ${TOKEN_RULE}`,
    )
  }
  if (!validToken(value)) throw new CliExit(1, `error: ${envName}: expected ${TOKEN_RULE}`)
  return value
}

/** One line for a port that cannot be bound (in use, or privileged), instead of a stack trace. */
export function listenError(error: unknown, at: { host: string; port: number }): CliExit | null {
  const code = (error as NodeJS.ErrnoException | null)?.code
  const where = `${at.host}:${at.port}`
  if (code === 'EADDRINUSE') {
    return new CliExit(
      1,
      `error: --port ${at.port}: ${where} is already in use; pick another port (0 picks a free one)`,
    )
  }
  if (code === 'EACCES') {
    return new CliExit(
      1,
      `error: --port ${at.port}: not allowed to listen on ${where}; use a port above 1023`,
    )
  }
  if (code === 'EADDRNOTAVAIL') {
    return new CliExit(1, `error: --host ${at.host}: no such address on this machine`)
  }
  return null
}

/** Resolves on the first SIGINT or SIGTERM. */
export function untilStopped(): Promise<void> {
  return new Promise<void>((resolve) => {
    process.once('SIGINT', () => resolve())
    process.once('SIGTERM', () => resolve())
  })
}
