// `pnpm check:generated`: fails when a committed generated file is stale. It copies the tree (the
// files git tracks, plus new ones not ignored) into a temporary directory, links node_modules and
// dist/ into the copy, runs the root `generate` script there, and compares every file with the
// working tree. Nothing in the working tree is written, so a stale file cannot be fixed silently
// by the check itself (as a build that regenerates before the tests would).
//
// To add a generator, append its command to the `generate` script of the root package.json.
// Usage: node scripts/check-generated.mjs [ROOT]   (ROOT defaults to this repository)
import { execFileSync, execSync } from 'node:child_process'
import {
  copyFileSync,
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
} from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'

/** Folders the generators may read but that are not sources: linked into the copy, not copied. */
const LINKED = new Set(['node_modules', 'dist'])

function trackedFiles(root) {
  return execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], {
    cwd: root,
    encoding: 'utf8',
  })
    .split('\0')
    .filter((file) => file !== '' && existsSync(join(root, file)))
}

/** Every file under `dir` (relative paths), not following the linked folders. */
function filesUnder(dir, base = dir, out = []) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name)
    if (entry.isSymbolicLink() && LINKED.has(entry.name)) continue
    if (entry.isDirectory()) filesUnder(path, base, out)
    else out.push(relative(base, path))
  }
  return out
}

/** Links every node_modules and dist folder of `root` into the same place in `copy`. */
function linkBuildFolders(root, copy, dir = root) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (!entry.isDirectory() || entry.name === '.git') continue
    const path = join(dir, entry.name)
    if (LINKED.has(entry.name)) {
      const target = join(copy, relative(root, path))
      mkdirSync(dirname(target), { recursive: true })
      symlinkSync(path, target, 'dir')
    } else if (!lstatSync(path).isSymbolicLink()) {
      linkBuildFolders(root, copy, path)
    }
  }
}

/**
 * Runs the generators in a scratch copy of `root` and returns the files they would change or
 * create, relative to `root` (empty: everything generated is up to date).
 */
export function staleGeneratedFiles(root) {
  const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'))
  const generate = manifest.scripts?.generate
  if (!generate) throw new Error(`${join(root, 'package.json')}: scripts.generate is missing`)
  const copy = mkdtempSync(join(tmpdir(), 'tokenledger-generated-'))
  try {
    const files = trackedFiles(root)
    for (const file of files) {
      mkdirSync(dirname(join(copy, file)), { recursive: true })
      copyFileSync(join(root, file), join(copy, file))
    }
    linkBuildFolders(root, copy)
    execSync(generate, { cwd: copy, stdio: ['ignore', 'ignore', 'inherit'] })
    const known = new Set(files)
    const stale = []
    for (const file of filesUnder(copy)) {
      if (!known.has(file)) stale.push(`${file} (new: generated but not in the tree)`)
      else if (!readFileSync(join(copy, file)).equals(readFileSync(join(root, file))))
        stale.push(file)
    }
    return stale.sort()
  } finally {
    rmSync(copy, { recursive: true, force: true })
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const root = process.argv[2] ?? fileURLToPath(new URL('..', import.meta.url))
  const stale = staleGeneratedFiles(root)
  if (stale.length > 0) {
    console.error('Generated files are stale; run `pnpm generate` and commit the result:')
    for (const file of stale) console.error(`  ${file}`)
    process.exitCode = 1
  } else {
    console.log('generated files: up to date')
  }
}
