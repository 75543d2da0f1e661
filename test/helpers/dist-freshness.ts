/**
 * Tests that run built code (the CLI binary, packed tarballs) must not run a `dist/` older than
 * its sources: a stale build passes or fails for reasons that are not in the tree. `tsc -b`
 * re-emits only the files that changed but always rewrites (or touches) the project's
 * `tsconfig.tsbuildinfo` when it builds, so a source newer than that file was never built. This
 * is the same rule `tsc -b` itself uses to decide that a project is out of date.
 */
import { existsSync, readdirSync, statSync } from 'node:fs'
import { join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'

const ROOT = fileURLToPath(new URL('../../', import.meta.url))

/** The packages the CLI runs, in build order. */
export const BUILT_PACKAGES = [
  'packages/pricing',
  'packages/store',
  'packages/meter',
  'packages/estimate',
  'apps/dashboard',
  'packages/cli',
] as const

function walk(dir: string, keep: (path: string) => boolean, out: string[] = []): string[] {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name)
    if (entry.isDirectory()) {
      if (entry.name !== '__fixtures__' && entry.name !== 'node_modules') walk(path, keep, out)
    } else if (keep(path)) out.push(path)
  }
  return out
}

const isSource = (path: string) => /\.tsx?$/.test(path) && !/\.test\.tsx?$/.test(path)

/**
 * Why `dist/` of the package at `relativeDir` (from `root`, default the repository) cannot be
 * trusted, or null when it was built after every source file last changed (test files and
 * fixtures, which are not built, do not count).
 */
export function staleDistReason(relativeDir: string, root = ROOT): string | null {
  const dir = join(root, relativeDir)
  const buildInfo = join(dir, 'tsconfig.tsbuildinfo')
  if (!existsSync(join(dir, 'dist')) || !existsSync(buildInfo))
    return `${relativeDir}/dist is missing`
  const builtAt = statSync(buildInfo).mtimeMs
  for (const source of walk(join(dir, 'src'), isSource)) {
    if (statSync(source).mtimeMs > builtAt) {
      return `${relative(root, source)} changed after ${relativeDir} was last built`
    }
  }
  return null
}

let checked: string | null | undefined

/** Throws when any built package is missing or older than its sources (checked once a process). */
export function assertDistFresh(): void {
  checked ??=
    BUILT_PACKAGES.map((dir) => staleDistReason(dir)).find((reason) => reason !== null) ?? null
  if (checked !== null) throw new Error(`${checked}: run \`pnpm build\` first`)
}
