/**
 * `tokenledger export`, spawned as a user runs it, on a real SQLite ledger: every call exactly
 * once, the cost column summing to the ledger's total to the picodollar (checked by python3's own
 * csv module, a non-Node reader), the list filters applied, and a closed pipe ending it quietly.
 */
import { spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { picoFromUsd, usdFromPico } from '@tokenledger/pricing'
import { openStore, type CallRecord } from '@tokenledger/store'
import { createRecordFactory } from '@tokenledger/store/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CLI_BIN, runCli } from './helpers/run-cli.js'

describe('tokenledger export', () => {
  let dir: string
  let db: string
  const records = createRecordFactory({
    seed: 71,
    start: '2026-03-01T00:00:00Z',
    stepMs: 90_000,
  }).batch(12_000)
  const costOf = (list: CallRecord[]) =>
    usdFromPico(list.reduce((sum, r) => sum + (r.cost === null ? 0n : picoFromUsd(r.cost)), 0n))

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'tokenledger-export-'))
    db = `sqlite:${join(dir, 'ledger.db')}`
    const store = await openStore(db)
    await store.insert(records)
    await store.close()
  })
  afterAll(() => rmSync(dir, { recursive: true, force: true }))

  it('writes every call as CSV, read back exactly by python3', () => {
    // Through a real pipe into python3, which reads the CSV with its own csv module.
    const script = [
      'import csv, sys',
      'from decimal import Decimal',
      'rows = list(csv.DictReader(sys.stdin))',
      "ids = [r['id'] for r in rows]",
      "total = sum((Decimal(r['cost_usd']) for r in rows if r['cost_usd']), Decimal(0))",
      "print(len(rows), len(set(ids)), sum(1 for r in rows if not r['cost_usd']), format(total, 'f'))",
    ].join('\n')
    const python = spawnSync(
      'sh',
      ['-c', `"${process.execPath}" "${CLI_BIN}" export --db "${db}" | python3 -c "$SCRIPT"`],
      { encoding: 'utf8', timeout: 60_000, env: { ...process.env, SCRIPT: script, TZ: 'UTC' } },
    )
    expect(python.stderr).toBe('')
    const [count, distinct, unpriced, total] = python.stdout.trim().split(' ')
    expect(Number(count)).toBe(records.length)
    expect(Number(distinct)).toBe(records.length)
    expect(Number(unpriced)).toBe(records.filter((r) => r.cost === null).length)
    // Decimal prints trailing zeros of the picodollar places; compare as exact amounts.
    expect(picoFromUsd(total!)).toBe(picoFromUsd(costOf(records)))
  })

  it('writes NDJSON of the filtered calls to a file', () => {
    const out = join(dir, 'unpriced.ndjson')
    const since = '2026-03-05T00:00:00Z'
    const result = runCli([
      'export',
      '--db',
      db,
      '--format',
      'ndjson',
      '--priced',
      'no',
      '--tag',
      'user=alice',
      '--since',
      since,
      '-o',
      out,
    ])
    expect(result.stderr).toBe('')
    expect(result.code).toBe(0)
    expect(result.stdout).toBe('')
    const lines = readFileSync(out, 'utf8').trimEnd().split('\n')
    const expected = records.filter(
      (r) => r.cost === null && r.tags['user'] === 'alice' && r.timestamp >= '2026-03-05',
    )
    expect(expected.length).toBeGreaterThan(5)
    expect(lines.map((line) => (JSON.parse(line) as CallRecord).id)).toEqual(
      expected.map((r) => r.id),
    )
  })

  it('rejects bad flags naming them, and stops quietly on a closed pipe', () => {
    const bad = runCli(['export', '--db', db, '--tag', 'team'])
    expect(bad.code).not.toBe(0)
    expect(bad.stderr).toContain('--tag: expected KEY=VALUE (e.g. team=search), got "team"')
    const format = runCli(['export', '--db', db, '--format', 'xlsx'])
    expect(format.stderr).toContain("option '--format <format>' argument 'xlsx' is invalid")
    const piped = spawnSync(
      'sh',
      ['-c', `"${process.execPath}" "${CLI_BIN}" export --db "${db}" | head -2`],
      {
        encoding: 'utf8',
        timeout: 60_000,
      },
    )
    expect(piped.stderr).toBe('')
    expect(piped.stdout.split('\r\n')).toHaveLength(3)
    expect(piped.stdout.startsWith('id,timestamp,provider,')).toBe(true)
  })
})
