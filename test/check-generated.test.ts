import { execFileSync, spawnSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'

const CHECK = fileURLToPath(new URL('../scripts/check-generated.mjs', import.meta.url))

// A small repository with one generator: out/prices.txt is made from prices.json, as
// bundled-data.generated.ts is made from pricing/*.json.
const GENERATOR = `
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
const prices = JSON.parse(readFileSync('prices.json', 'utf8'))
mkdirSync('out', { recursive: true })
writeFileSync('out/prices.txt', '// GENERATED from prices.json\\n' + JSON.stringify(prices) + '\\n')
`

let root: string
const git = (...args: string[]) => execFileSync('git', args, { cwd: root, stdio: 'ignore' })
const write = (file: string, text: string) => writeFileSync(join(root, file), text)
const check = () => spawnSync(process.execPath, [CHECK, root], { encoding: 'utf8' })

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'tokenledger-check-generated-'))
  mkdirSync(join(root, 'node_modules'))
  write(
    'package.json',
    JSON.stringify({ private: true, type: 'module', scripts: { generate: 'node generate.mjs' } }),
  )
  write('.gitignore', 'node_modules/\n')
  write('generate.mjs', GENERATOR)
  write('prices.json', '{"input":"0.14"}')
  execFileSync(process.execPath, ['generate.mjs'], { cwd: root })
  git('init', '-q')
  git('add', '.')
})
afterEach(() => rmSync(root, { recursive: true, force: true }))

describe('scripts/check-generated.mjs', () => {
  it('passes when every generated file matches its sources', () => {
    const result = check()
    expect(result.stderr).toBe('')
    expect(result.stdout).toBe('generated files: up to date\n')
    expect(result.status).toBe(0)
  })

  it('fails, naming the file, when a source changed and the output was not regenerated', () => {
    write('prices.json', '{"input":"0.28"}')
    const result = check()
    expect(result.status).toBe(1)
    expect(result.stderr).toBe(
      'Generated files are stale; run `pnpm generate` and commit the result:\n  out/prices.txt\n',
    )
    // The check never writes the working tree: the stale file is still stale.
    expect(readFileSync(join(root, 'out/prices.txt'), 'utf8')).toContain('"0.14"')
  })

  it('fails when a generated file was edited by hand', () => {
    write('out/prices.txt', '// GENERATED from prices.json\n{"input":"0.01"}\n')
    expect(check().stderr).toContain('  out/prices.txt\n')
  })

  it('fails when a generator makes a file that is not in the tree', () => {
    rmSync(join(root, 'out'), { recursive: true })
    git('add', '-A')
    expect(check().stderr).toContain('  out/prices.txt (new: generated but not in the tree)\n')
  })
})
