// `pnpm release:check`: packs every package as it would be published and checks each tarball:
// no workspace: versions left, LICENSE / README / repository / engines / files present, every
// `exports` target shipped, then publint (strict) and @arethetypeswrong/cli (ESM-only profile).
// Exits 1 when anything fails. Run `pnpm build` first (the root script does).
import { execFileSync } from 'node:child_process'
import { builtinModules } from 'node:module'
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { publint } from 'publint'
import { formatMessage } from 'publint/utils'
import { packWorkspace, ROOT } from './pack-workspace.mjs'

const ATTW = join(ROOT, 'node_modules/.bin/attw')

/** Problems of one tarball's manifest and file list (publint and attw come on top). */
export function manifestProblems(manifest, files) {
  const problems = []
  for (const field of ['dependencies', 'peerDependencies', 'optionalDependencies']) {
    for (const [name, range] of Object.entries(manifest[field] ?? {})) {
      if (String(range).startsWith('workspace:'))
        problems.push(`${field}.${name}: ${range} left unpacked`)
    }
  }
  for (const file of ['LICENSE', 'README.md', 'package.json']) {
    if (!files.includes(file)) problems.push(`${file} is not in the tarball`)
  }
  if (!manifest.repository?.url) problems.push('repository: missing')
  if (!manifest.engines?.node) problems.push('engines.node: missing')
  if (!Array.isArray(manifest.files)) problems.push('files: missing')
  if (manifest.type !== 'module')
    problems.push('type: expected "module" (the packages are ESM-only)')
  if (manifest.license !== 'MIT') problems.push(`license: expected MIT, got ${manifest.license}`)
  const targets = []
  const collect = (value) => {
    if (typeof value === 'string') targets.push(value)
    else if (value && typeof value === 'object') Object.values(value).forEach(collect)
  }
  collect(manifest.exports)
  for (const bin of Object.values(manifest.bin ?? {})) targets.push(bin)
  for (const target of targets) {
    if (!files.includes(target.replace(/^\.\//, '')))
      problems.push(`${target}: listed but not in the tarball`)
  }
  // A declaration map must point at a source that is shipped beside it.
  for (const map of files.filter((file) => file.endsWith('.d.ts.map'))) {
    if (
      !files.includes(map.replace(/^dist\//, 'src/').replace(/\.d\.ts\.map$/, '.ts')) &&
      !files.includes(map.replace(/^dist\//, 'src/').replace(/\.d\.ts\.map$/, '.tsx'))
    ) {
      problems.push(
        `${map}: its source is not shipped (a leftover build output? pnpm clean && pnpm build)`,
      )
    }
  }
  return problems
}

const BUILTINS = new Set(builtinModules)
const IMPORT =
  /(?:^|[^.\w])(?:import|export)\s[^'"]*?from\s*['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)|require(?:\.resolve)?\(\s*['"]([^'"]+)['"]\s*\)/g

/** The packages a folder's non-test sources import, by package name. */
function importedPackages(dir, found = new Set()) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name)
    if (entry.isDirectory()) {
      if (entry.name !== '__fixtures__') importedPackages(path, found)
      continue
    }
    if (!/\.(ts|tsx|js|mjs)$/.test(entry.name) || /\.test\.tsx?$/.test(entry.name)) continue
    for (const match of readFileSync(path, 'utf8').matchAll(IMPORT)) {
      const specifier = match[1] ?? match[2] ?? match[3]
      if (!specifier || specifier.startsWith('.') || specifier.startsWith('node:')) continue
      const name = specifier.startsWith('@')
        ? specifier.split('/').slice(0, 2).join('/')
        : specifier.split('/')[0]
      if (!BUILTINS.has(name)) found.add(name)
    }
  }
  return found
}

/**
 * Dependencies that do not match the imports: imported but not declared (a user's install would
 * break), or declared but never imported (a user installs it for nothing). A dependency that
 * provides an optional peer of another dependency counts as used (the CLI depends on
 * better-sqlite3 so that the store it uses has its SQLite driver).
 */
export function dependencyProblems(pkg, all = []) {
  const imported = importedPackages(join(pkg.dir, 'src'))
  for (const extra of ['client']) {
    try {
      importedPackages(join(pkg.dir, extra), imported)
    } catch {
      // no such folder
    }
  }
  const declared = new Set([
    ...Object.keys(pkg.manifest.dependencies ?? {}),
    ...Object.keys(pkg.manifest.peerDependencies ?? {}),
  ])
  const problems = []
  for (const name of imported) {
    if (name !== pkg.name && !declared.has(name))
      problems.push(`imports ${name} but does not depend on it`)
  }
  const peersOfDependencies = new Set(
    all
      .filter((other) => pkg.manifest.dependencies?.[other.name] !== undefined)
      .flatMap((other) => Object.keys(other.manifest.peerDependencies ?? {})),
  )
  for (const name of Object.keys(pkg.manifest.dependencies ?? {})) {
    if (!imported.has(name) && !peersOfDependencies.has(name)) {
      problems.push(`depends on ${name} but never imports it`)
    }
  }
  return problems
}

function tarballFiles(tarball) {
  return execFileSync('tar', ['-tzf', tarball], { encoding: 'utf8' })
    .split('\n')
    .filter(Boolean)
    .map((path) => path.replace(/^package\//, ''))
}

function tarballManifest(tarball) {
  return JSON.parse(
    execFileSync('tar', ['-xzOf', tarball, 'package/package.json'], { encoding: 'utf8' }),
  )
}

async function main() {
  const destination = mkdtempSync(join(tmpdir(), 'tokenledger-release-'))
  let failed = 0
  try {
    const packed = packWorkspace(destination)
    for (const pkg of packed) {
      const problems = [
        ...manifestProblems(tarballManifest(pkg.tarball), tarballFiles(pkg.tarball)),
        ...dependencyProblems(pkg, packed),
      ]
      const buffer = readFileSync(pkg.tarball)
      const tarball = buffer.buffer.slice(buffer.byteOffset, buffer.byteOffset + buffer.byteLength)
      const { messages, pkg: manifest } = await publint({
        pack: { tarball },
        strict: true,
        level: 'warning',
      })
      for (const message of messages) problems.push(`publint: ${formatMessage(message, manifest)}`)
      try {
        execFileSync(
          ATTW,
          [pkg.tarball, '--profile', 'esm-only', '--format', 'ascii', '--no-color'],
          {
            encoding: 'utf8',
            stdio: ['ignore', 'pipe', 'pipe'],
          },
        )
      } catch (error) {
        problems.push(`attw:\n${error.stdout ?? ''}${error.stderr ?? ''}`)
      }
      console.log(problems.length === 0 ? `ok    ${pkg.name}` : `FAIL  ${pkg.name}`)
      for (const problem of problems) console.log(`      ${problem}`)
      if (problems.length > 0) failed++
    }
  } finally {
    rmSync(destination, { recursive: true, force: true })
  }
  if (failed > 0) {
    console.log(`release check: ${failed} package(s) failed`)
    process.exitCode = 1
  } else {
    console.log('release check: every package packs, installs and types cleanly')
  }
}

if (process.argv[1] === new URL(import.meta.url).pathname) await main()
