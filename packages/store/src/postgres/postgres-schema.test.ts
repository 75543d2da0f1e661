import { randomBytes } from 'node:crypto'
import pg from 'pg'
import { describe, expect, it } from 'vitest'
import { openStore } from '../open-store.js'
import { createRecordFactory } from '../testing/record-factory.js'
import { ENGINES, PG_URL } from '../testing/test-engines.js'

const postgres = ENGINES.find((engine) => engine.name === 'postgres')

describe.skipIf(!postgres || postgres.skip !== null)('PostgreSQL ?schema=', () => {
  it('keeps upper-case letters: the tables land in exactly that schema', async () => {
    // Unquoted in search_path, "Team_A" meant team_a, which did not exist: "no schema has been
    // selected to create in".
    const schema = `Tl_Upper_${randomBytes(4).toString('hex')}`
    const separator = PG_URL.includes('?') ? '&' : '?'
    const admin = new pg.Client({ connectionString: PG_URL })
    await admin.connect()
    try {
      const store = await openStore(`${PG_URL}${separator}schema=${schema}`)
      const records = createRecordFactory({ seed: 41 }).batch(5)
      await store.insert(records)
      expect((await store.listCalls({ limit: 10, offset: 0 })).total).toBe(5)
      await store.close()
      const { rows } = await admin.query<{ n: string }>(
        'SELECT COUNT(*) AS n FROM information_schema.tables WHERE table_schema = $1 AND table_name = $2',
        [schema, 'calls'],
      )
      expect(rows[0]?.n).toBe('1')
    } finally {
      await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`)
      await admin.end()
    }
  })
})
