import { execFile, spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { assertDistFresh } from './dist-freshness.js'

/** The built CLI; the root `pnpm test` builds before vitest runs. */
export const CLI_BIN = fileURLToPath(new URL('../../packages/cli/dist/bin.js', import.meta.url))

export interface CliResult {
  code: number
  stdout: string
  stderr: string
}

/**
 * Runs the built `tokenledger` binary the way a user would, with a fixed environment: no colour,
 * 120 columns, UTC. Throws when the CLI has not been built, or was built before its sources (or
 * those of the packages it runs) last changed.
 */
export function runCli(args: readonly string[], env: Record<string, string> = {}): CliResult {
  assertDistFresh()
  const result = spawnSync(process.execPath, [CLI_BIN, ...args], {
    encoding: 'utf8',
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '',
      NO_COLOR: '1',
      COLUMNS: '120',
      TZ: 'UTC',
      ...env,
    },
    timeout: 60_000,
  })
  return { code: result.status ?? -1, stdout: result.stdout, stderr: result.stderr }
}

/**
 * `runCli` without blocking the event loop: for tests whose replay servers live in the same
 * process (a blocked loop lets a keep-alive socket expire under the next request: ECONNRESET).
 */
export function runCliAsync(
  args: readonly string[],
  env: Record<string, string> = {},
): Promise<CliResult> {
  assertDistFresh()
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [CLI_BIN, ...args],
      {
        encoding: 'utf8',
        env: {
          PATH: process.env.PATH ?? '',
          HOME: process.env.HOME ?? '',
          NO_COLOR: '1',
          COLUMNS: '120',
          TZ: 'UTC',
          ...env,
        },
        timeout: 60_000,
        maxBuffer: 64 << 20,
      },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : -1) : 0
        resolve({ code, stdout, stderr })
      },
    )
  })
}
