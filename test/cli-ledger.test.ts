/**
 * `tokenledger ledger rollup-tags`, spawned as a user runs it, on a real SQLite ledger: shows the
 * empty setting, sets keys (backfilling with progress on stderr), after which `report --by
 * tag:KEY` answers from the tag rollups exactly what it answered from the raw calls; bad lists
 * are refused naming the entry.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { openStore } from '@tokenledger/store'
import { createRecordFactory } from '@tokenledger/store/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { runCli } from './helpers/run-cli.js'

describe('tokenledger ledger rollup-tags', () => {
  let dir: string
  let db: string

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'tokenledger-ledger-'))
    db = `sqlite:${join(dir, 'ledger.db')}`
    const store = await openStore(db)
    await store.insert(
      createRecordFactory({ seed: 73, start: '2026-03-01T00:00:00Z', stepMs: 60_000 }).batch(3000),
    )
    await store.close()
  })
  afterAll(() => rmSync(dir, { recursive: true, force: true }))

  it('shows, sets and clears the keys; reports by a rolled-up tag answer the same', async () => {
    const empty = runCli(['ledger', 'rollup-tags', '--db', db])
    expect(empty.stderr).toBe('')
    expect(empty.code).toBe(0)
    expect(empty.stdout).toMatch(/^no tag key is rolled up/)
    const report = ['report', '--db', db, '--by', 'tag:user', '--json']
    const before = runCli(report)
    expect(before.code).toBe(0)

    const set = runCli(['ledger', 'rollup-tags', 'user,env', '--db', db])
    expect(set.code).toBe(0)
    expect(set.stderr).toContain('backfilling user: 3,000 of 3,000 calls, done')
    expect(set.stdout).toBe('rolled-up tag keys:\n  env  complete\n  user  complete\n')
    const json = runCli(['ledger', 'rollup-tags', '--db', db, '--json'])
    expect(JSON.parse(json.stdout)).toEqual([
      { key: 'env', complete: true, backfilledUntil: null },
      { key: 'user', complete: true, backfilledUntil: null },
    ])
    const after = runCli(report)
    expect(after.stdout).toBe(before.stdout)
    const store = await openStore(db, { readOnly: true })
    try {
      expect(JSON.parse(after.stdout)).not.toEqual([])
      const rows = await store.db
        .selectFrom('call_tag_rollups_daily')
        .select((eb) => eb.fn.countAll().as('n'))
        .where('tag_key', '=', 'user')
        .execute()
      expect(Number(rows[0]!.n)).toBeGreaterThan(0)
    } finally {
      await store.close()
    }

    const none = runCli(['ledger', 'rollup-tags', '--none', '--db', db])
    expect(none.code).toBe(0)
    expect(none.stdout).toMatch(/^no tag key is rolled up/)
  })

  it('refuses an empty or repeated key, and keys together with --none', () => {
    const empty = runCli(['ledger', 'rollup-tags', 'user,,env', '--db', db])
    expect(empty.code).not.toBe(0)
    expect(empty.stderr).toContain('keys: entry 2 of "user,,env" is empty')
    const twice = runCli(['ledger', 'rollup-tags', 'user,user', '--db', db])
    expect(twice.stderr).toContain('keys: "user" is listed twice')
    const both = runCli(['ledger', 'rollup-tags', 'user', '--none', '--db', db])
    expect(both.code).not.toBe(0)
    expect(both.stderr).toContain('give either tag keys or --none, not both')
  })
})
