/**
 * Every data file in a `__fixtures__` folder says where it comes from: the folder's README.md names
 * it, with where and when it was recorded or that it was written by hand. A new fixture without
 * that line fails here.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'

const ROOT = fileURLToPath(new URL('..', import.meta.url))
const DATA = /\.(json|jsonl|sse|txt|csv)$/

function fixtureFolders(dir: string, out: string[] = []): string[] {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (!entry.isDirectory() || entry.name === 'node_modules' || entry.name === 'dist') continue
    if (entry.name.startsWith('.')) continue
    const path = join(dir, entry.name)
    if (entry.name === '__fixtures__') out.push(path)
    else fixtureFolders(path, out)
  }
  return out
}

const folders = ['packages', 'apps'].flatMap((top) => fixtureFolders(join(ROOT, top)))

describe('fixture provenance', () => {
  it('finds the fixture folders', () => {
    expect(folders.map((folder) => relative(ROOT, folder))).toContain(
      'packages/meter/src/normalisers/__fixtures__',
    )
  })

  it.each(folders.map((folder) => [relative(ROOT, folder), folder]))(
    '%s: every data file is named in its README.md',
    (_, folder) => {
      const data = readdirSync(folder).filter((name) => DATA.test(name))
      if (data.length === 0) return
      const readme = join(folder, 'README.md')
      expect(existsSync(readme), `${readme} is missing`).toBe(true)
      const text = readFileSync(readme, 'utf8')
      expect(data.filter((name) => !text.includes(`\`${name}\``))).toEqual([])
    },
  )
})
