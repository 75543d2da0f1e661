// Packs every publishable workspace package with `pnpm pack`, which rewrites `workspace:*` to the
// real versions (npm refuses the workspace protocol). Used by `pnpm release:check` and by
// test/packed-install.test.ts. Run `pnpm build` first: the tarballs hold dist/.
import { execFileSync } from 'node:child_process'
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

export const ROOT = fileURLToPath(new URL('..', import.meta.url))

/** The folders pnpm-workspace.yaml lists (`packages/*`, `apps/*`). */
const WORKSPACE_GLOBS = readFileSync(join(ROOT, 'pnpm-workspace.yaml'), 'utf8')
  .split('\n')
  .map((line) => /^\s+-\s+['"]?([\w-]+)\/\*['"]?\s*$/.exec(line)?.[1])
  .filter((folder) => folder !== undefined)

/** Every non-private workspace package: its name, version, folder and parsed package.json. */
export function workspacePackages() {
  const found = []
  for (const folder of WORKSPACE_GLOBS) {
    for (const entry of readdirSync(join(ROOT, folder), { withFileTypes: true })) {
      const dir = join(ROOT, folder, entry.name)
      const file = join(dir, 'package.json')
      if (!entry.isDirectory() || !existsSync(file)) continue
      const manifest = JSON.parse(readFileSync(file, 'utf8'))
      if (manifest.private) continue
      found.push({ name: manifest.name, version: manifest.version, dir, manifest })
    }
  }
  return found.sort((a, b) => a.name.localeCompare(b.name))
}

/** Runs pnpm 10 (the one the README uses), from the user's npx cache when it is there. */
export function pnpm(args, options = {}) {
  return execFileSync('npx', ['-y', 'pnpm@10', ...args], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    ...options,
  })
}

/** Packs every package into `destination`; returns each package with the path of its tarball. */
export function packWorkspace(destination) {
  return workspacePackages().map((pkg) => {
    const before = new Set(existsSync(destination) ? readdirSync(destination) : [])
    pnpm(['pack', '--pack-destination', destination], { cwd: pkg.dir })
    const made = readdirSync(destination).filter(
      (name) => !before.has(name) && name.endsWith('.tgz'),
    )
    if (made.length !== 1)
      throw new Error(`${pkg.name}: expected one tarball, got ${made.join(', ')}`)
    return { ...pkg, tarball: join(destination, made[0]) }
  })
}
