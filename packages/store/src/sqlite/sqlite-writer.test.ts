import { sql } from 'kysely'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { expectedSummary } from '../__fixtures__/expected-summary.js'
import type { CallRecord } from '../call-record.js'
import type { LedgerStore } from '../ledger-store.js'
import { openStore } from '../open-store.js'
import { ENGINES } from '../testing/test-engines.js'
import type { LedgerFixture } from '../testing/test-engines.js'
import { createRecordFactory } from '../testing/record-factory.js'

const sqlite = ENGINES.find((engine) => engine.name === 'sqlite')

function expectedTagRows(records: CallRecord[]): string[] {
  return records
    .flatMap((r) =>
      Object.entries(r.tags).map(([key, value]) =>
        JSON.stringify([r.id, key, value, Date.parse(r.timestamp)]),
      ),
    )
    .sort()
}

async function storedTagRows(store: LedgerStore): Promise<string[]> {
  const { rows } = await sql<{ call_id: string; key: string; value: string; ts: number }>`
    SELECT call_id, key, value, ts FROM call_tags`.execute(store.db)
  return rows.map((r) => JSON.stringify([r.call_id, r.key, r.value, r.ts])).sort()
}

describe.skipIf(!sqlite)('SQLite writer: tags of a batch', () => {
  let fixture: LedgerFixture
  let store: LedgerStore
  beforeEach(async () => {
    fixture = await sqlite!.fresh()
    store = await openStore(fixture.url)
  })
  afterEach(async () => {
    await store?.close()
    await fixture?.cleanup()
  })

  it('explodes exactly the new calls of each batch, repeats and stored ids left out', async () => {
    const records = createRecordFactory({ seed: 31 }).batch(200)
    await store.insert(records.slice(50, 120))
    // Overlaps the stored calls on both sides, repeats an id inside the batch, and has a call
    // without tags: only the 130 new calls may add tags, each once.
    const untagged = { ...records[199]!, tags: {} }
    await store.insert([
      ...records.slice(0, 150),
      records[3]!,
      ...records.slice(150, 199),
      untagged,
    ])
    expect(await storedTagRows(store)).toEqual(
      expectedTagRows([...records.slice(0, 199), untagged]),
    )
  })

  it('writes tags one by one when new rowids are not consecutive', async () => {
    const records = createRecordFactory({ seed: 32, stepMs: 5 * 60_000 }).batch(120)
    await store.insert(records.slice(0, 20))
    // A call at the largest rowid makes SQLite pick random rowids for every later insert, so a
    // batch's new calls no longer form one rowid range that holds nothing else.
    await sql`UPDATE calls SET rowid = 9223372036854775807 WHERE id = ${records[0]!.id}`.execute(
      store.db,
    )
    await store.insert(records.slice(20))
    const { rows } = await sql<{ n: number }>`
      SELECT COUNT(*) AS n FROM calls WHERE rowid > 100 AND id <> ${records[0]!.id}`.execute(
      store.db,
    )
    expect(Number(rows[0]?.n)).toBeGreaterThan(0)
    expect(await storedTagRows(store)).toEqual(expectedTagRows(records))
    const byTag = { tags: { user: 'bob' }, groupBy: ['tag:feature' as const] }
    expect(await store.summarize(byTag)).toEqual(expectedSummary(records, byTag))
  })
})
