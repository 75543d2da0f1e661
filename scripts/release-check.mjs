// `pnpm release:check`: packs every package as it would be published and checks each tarball:
// no workspace: versions left, LICENSE / README / repository / engines / files present, every
// `exports` target shipped, then publint (strict) and @arethetypeswrong/cli (ESM-only profile).
// Exits 1 when anything fails. Run `pnpm build` first (the root script does).
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
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
      problems.push(`${map}: its source is not shipped`)
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
    for (const pkg of packWorkspace(destination)) {
      const problems = manifestProblems(tarballManifest(pkg.tarball), tarballFiles(pkg.tarball))
      const buffer = readFileSync(pkg.tarball)
      const tarball = buffer.buffer.slice(buffer.byteOffset, buffer.byteOffset + buffer.byteLength)
      const { messages, pkg: packed } = await publint({
        pack: { tarball },
        strict: true,
        level: 'warning',
      })
      for (const message of messages) problems.push(`publint: ${formatMessage(message, packed)}`)
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
