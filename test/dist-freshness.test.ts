import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { BUILT_PACKAGES, staleDistReason } from './helpers/dist-freshness.js'

let root: string
const at = (path: string, seconds: number) => utimesSync(path, seconds, seconds)

/** A package folder as `tsc -b` leaves it: sources, dist/ and the build info, at given times. */
function fakePackage(times: { source: number; test: number; buildInfo: number }): void {
  const dir = join(root, 'packages/fake')
  mkdirSync(join(dir, 'src/__fixtures__'), { recursive: true })
  mkdirSync(join(dir, 'dist'))
  const files = {
    'src/index.ts': times.source,
    'src/index.test.ts': times.test,
    'src/__fixtures__/data.ts': times.test,
    'dist/index.js': times.buildInfo,
    'tsconfig.tsbuildinfo': times.buildInfo,
  }
  for (const [file, time] of Object.entries(files)) {
    writeFileSync(join(dir, file), '')
    at(join(dir, file), time)
  }
}

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'tokenledger-freshness-'))
})
afterEach(() => rmSync(root, { recursive: true, force: true }))

describe('the built-code freshness check of CLI tests', () => {
  it('accepts the build the root `pnpm test` just made', () => {
    expect(BUILT_PACKAGES.map((dir) => staleDistReason(dir))).toEqual(
      BUILT_PACKAGES.map(() => null),
    )
  })

  it('accepts a package built after its sources changed, whatever its tests do', () => {
    fakePackage({ source: 1_000, test: 5_000, buildInfo: 2_000 })
    expect(staleDistReason('packages/fake', root)).toBeNull()
  })

  it('names a source file edited after the last build', () => {
    fakePackage({ source: 3_000, test: 1_000, buildInfo: 2_000 })
    expect(staleDistReason('packages/fake', root)).toBe(
      'packages/fake/src/index.ts changed after packages/fake was last built',
    )
  })

  it('reports a package that was never built', () => {
    expect(staleDistReason('packages/fake', root)).toBe('packages/fake/dist is missing')
  })
})
