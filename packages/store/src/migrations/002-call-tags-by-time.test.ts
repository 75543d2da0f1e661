import { sql } from 'kysely'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { expectedSummary } from '../__fixtures__/expected-summary.js'
import type { CallRecord } from '../call-record.js'
import type { LedgerStore } from '../ledger-store.js'
import { openStore } from '../open-store.js'
import { ENGINES } from '../testing/test-engines.js'
import type { LedgerFixture } from '../testing/test-engines.js'
import { LATEST_VERSION } from './index.js'
import { createRecordFactory } from '../testing/record-factory.js'

/** Every (call_id, key, value, ts) the records' tags should produce, sorted. */
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
  const { rows } = await sql<{ call_id: string; key: string; value: string; ts: unknown }>`
    SELECT call_id, key, value, ts FROM call_tags`.execute(store.db)
  return rows.map((r) => JSON.stringify([r.call_id, r.key, r.value, Number(r.ts)])).sort()
}

for (const engine of ENGINES) {
  describe.skipIf(engine.skip !== null)(
    `migration 002 (call_tags by time) on ${engine.name}`,
    () => {
      let fixture: LedgerFixture
      beforeEach(async () => {
        fixture = await engine.fresh()
      })
      afterEach(async () => {
        await fixture?.cleanup()
      })

      it('rebuilds a version-1 call_tags from the calls, with their timestamps', async () => {
        const records = createRecordFactory({ seed: 21, stepMs: 7 * 60_000 }).batch(300)
        const store = await openStore(fixture.url)
        await store.insert(records)
        // Back to version 1's call_tags, as 001 created it, holding only part of the tags: the
        // migration must rebuild every tag from calls.tags, not copy what it finds.
        await sql`DROP TABLE call_tags`.execute(store.db)
        await sql`CREATE TABLE call_tags (call_id TEXT NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL)`.execute(
          store.db,
        )
        await sql`CREATE INDEX call_tags_key_value_idx ON call_tags (key, value)`.execute(store.db)
        await sql`INSERT INTO call_tags (call_id, key, value) VALUES (${records[0]!.id}, 'user', 'stale')`.execute(
          store.db,
        )
        await sql`DELETE FROM tokenledger_migrations WHERE version >= 2`.execute(store.db)
        await store.close()

        await expect(openStore(fixture.url, { readOnly: true })).rejects.toThrow(
          new RegExp(
            `schema is at version 1, this tokenledger needs version ${LATEST_VERSION}; open it once read-write`,
          ),
        )
        const migrated = await openStore(fixture.url)
        try {
          expect(await storedTagRows(migrated)).toEqual(expectedTagRows(records))
          const query = {
            since: new Date(Date.parse(records[40]!.timestamp)),
            until: new Date(Date.parse(records[250]!.timestamp)),
            tags: { user: 'alice', feature: 'chat' },
            groupBy: ['model' as const],
          }
          expect(await migrated.summarize(query)).toEqual(expectedSummary(records, query))
          // Writes after the migration land in the new table too.
          const more = createRecordFactory({ seed: 22, start: '2026-06-01T00:00:00Z' }).batch(20)
          await migrated.insert(more)
          expect(await storedTagRows(migrated)).toEqual(expectedTagRows([...records, ...more]))
        } finally {
          await migrated.close()
        }
      })
    },
  )
}
