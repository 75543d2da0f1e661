import { spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

/** The built CLI; the root `pnpm test` builds before vitest runs. */
export const CLI_BIN = fileURLToPath(new URL('../../packages/cli/dist/bin.js', import.meta.url))

export interface CliResult {
  code: number
  stdout: string
  stderr: string
}

/**
 * Runs the built `tokenledger` binary the way a user would, with a fixed environment: no colour,
 * 120 columns, UTC. Throws when the CLI has not been built.
 */
export function runCli(args: readonly string[], env: Record<string, string> = {}): CliResult {
  if (!existsSync(CLI_BIN)) throw new Error(`${CLI_BIN} is missing: run \`pnpm build\` first`)
  const result = spawnSync(process.execPath, [CLI_BIN, ...args], {
    encoding: 'utf8',
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', NO_COLOR: '1', COLUMNS: '120', TZ: 'UTC', ...env },
    timeout: 60_000,
  })
  return { code: result.status ?? -1, stdout: result.stdout, stderr: result.stderr }
}
