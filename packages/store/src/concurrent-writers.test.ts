import { execFileSync, spawn } from 'node:child_process'
import { existsSync, readdirSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { picoFromUsd, usdFromPico } from '@tokenledger/pricing'
import { sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { expectedSummary } from './__fixtures__/expected-summary.js'
import { MIGRATIONS } from './migrations/index.js'
import { openStore } from './open-store.js'
import { summarize } from './queries/summarize.js'
import { ENGINES } from './testing/test-engines.js'
import type { LedgerFixture } from './testing/test-engines.js'
import { createRecordFactory } from './testing/record-factory.js'

const PACKAGE = fileURLToPath(new URL('..', import.meta.url))
const ROOT = join(PACKAGE, '..', '..')
const WORKER = fileURLToPath(new URL('./__fixtures__/concurrent-writer.mjs', import.meta.url))
const WRITERS = 4
const CALLS_EACH = 5_000
const BATCH = 100

/** Newest modification time under a directory (source files only). */
function newest(dir: string): number {
  let latest = 0
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name)
    if (entry.isDirectory()) latest = Math.max(latest, newest(path))
    else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts'))
      latest = Math.max(latest, statSync(path).mtimeMs)
  }
  return latest
}

/** The workers import the BUILT store: build it when dist is missing or older than src. */
function ensureBuilt(): void {
  const entry = join(PACKAGE, 'dist', 'index.js')
  if (existsSync(entry) && statSync(entry).mtimeMs >= newest(join(PACKAGE, 'src'))) return
  execFileSync('npx', ['tsc', '-b', 'packages/store'], { cwd: ROOT, stdio: 'pipe' })
}

function runWriter(url: string, seed: number): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [WORKER, url, String(seed), String(CALLS_EACH), String(BATCH)],
      {
        stdio: ['ignore', 'ignore', 'pipe'],
      },
    )
    let stderr = ''
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
    child.on('error', reject)
    child.on('close', (code) => resolve({ code, stderr }))
  })
}

const sqlite = ENGINES.find((engine) => engine.name === 'sqlite')

describe.skipIf(!sqlite)('concurrent writers on one SQLite file', () => {
  let fixture: LedgerFixture
  beforeAll(async () => {
    ensureBuilt()
    fixture = await sqlite!.fresh()
  })
  afterAll(async () => {
    await fixture?.cleanup()
  })

  it(`${WRITERS} processes x ${CALLS_EACH} calls: every row stored, cost exact`, async () => {
    // All four start on a file that does not exist yet: they race through creation and migration.
    const results = await Promise.all(
      Array.from({ length: WRITERS }, (_, i) => runWriter(fixture.url, 100 + i)),
    )
    for (const result of results) expect(result).toEqual({ code: 0, stderr: '' })

    const records = Array.from({ length: WRITERS }, (_, i) =>
      createRecordFactory({ seed: 100 + i, stepMs: 2_000 }).batch(CALLS_EACH),
    ).flat()
    const expectedCost = usdFromPico(
      records.reduce((sum, r) => sum + (r.cost ? picoFromUsd(r.cost) : 0n), 0n),
    )

    const store = await openStore(fixture.url, { readOnly: true })
    try {
      const { rows } = await sql<{ n: number }>`SELECT COUNT(*) AS n FROM calls`.execute(store.db)
      expect(Number(rows[0]?.n)).toBe(WRITERS * CALLS_EACH)
      const [total] = await store.summarize({})
      expect(total?.calls).toBe(WRITERS * CALLS_EACH)
      expect(total?.cost).toBe(expectedCost)
      const raw = await summarize(
        store.db,
        store.dialect,
        { groupBy: ['hour', 'provider', 'model', 'status'] },
        'calls',
      )
      const rolled = await store.summarize({ groupBy: ['hour', 'provider', 'model', 'status'] })
      expect(rolled).toEqual(raw)
      expect(rolled).toEqual(
        expectedSummary(records, { groupBy: ['hour', 'provider', 'model', 'status'] }),
      )
      const { rows: versions } = await sql<{
        n: number
      }>`SELECT COUNT(*) AS n FROM tokenledger_migrations`.execute(store.db)
      // Each migration applied exactly once, whatever the number of racing processes.
      expect(Number(versions[0]?.n)).toBe(MIGRATIONS.length)
    } finally {
      await store.close()
    }
  })
})
