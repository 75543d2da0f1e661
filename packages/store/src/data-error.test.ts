import { createRequire } from 'node:module'
import pg from 'pg'
import { describe, expect, it } from 'vitest'
import { isDataError } from './data-error.js'
import { ENGINES, PG_URL } from './testing/test-engines.js'

const Database = createRequire(import.meta.url)('better-sqlite3') as new (path: string) => {
  exec(sql: string): void
  prepare(sql: string): { run(...params: unknown[]): unknown }
  close(): void
}

/** The error `run` throws (the test fails when it throws none). */
async function thrown(run: () => unknown): Promise<unknown> {
  try {
    await run()
  } catch (error) {
    return error
  }
  throw new Error('expected an error')
}

describe('isDataError tells a bad value from an unavailable ledger', () => {
  it('SQLite: range, CHECK and NOT NULL are data errors; a lock and a read-only file are not', async () => {
    const db = new Database(':memory:')
    db.exec("CREATE TABLE t (a INTEGER NOT NULL CHECK (typeof(a) = 'integer'))")
    try {
      expect(
        isDataError(await thrown(() => db.prepare('INSERT INTO t VALUES (?)').run(2n ** 64n))),
      ).toBe(true)
      expect(isDataError(await thrown(() => db.prepare('INSERT INTO t VALUES (?)').run(1.5)))).toBe(
        true,
      )
      expect(
        isDataError(await thrown(() => db.prepare('INSERT INTO t VALUES (?)').run(null))),
      ).toBe(true)
      expect(isDataError(await thrown(() => db.exec('COMMIT')))).toBe(false)
      expect(isDataError(await thrown(() => db.exec('INSERT INTO missing VALUES (1)')))).toBe(false)
    } finally {
      db.close()
    }
  })

  const postgres = ENGINES.find((engine) => engine.name === 'postgres')
  it.skipIf(!postgres || postgres.skip !== null)(
    'PostgreSQL: SQLSTATE classes 22 and 23 are data errors; a terminated or refused connection is not',
    async () => {
      const client = new pg.Client({
        connectionString: PG_URL,
        application_name: 'tl_data_error_test',
      })
      client.on('error', () => undefined)
      await client.connect()
      try {
        const outOfRange = await thrown(() => client.query('SELECT 3000000000::integer'))
        expect((outOfRange as { code: string }).code).toBe('22003')
        expect(isDataError(outOfRange)).toBe(true)
        await client.query('CREATE TEMP TABLE t (a integer NOT NULL)')
        const notNull = await thrown(() => client.query('INSERT INTO t VALUES (NULL)'))
        expect((notNull as { code: string }).code).toBe('23502')
        expect(isDataError(notNull)).toBe(true)
        const syntax = await thrown(() => client.query('SELEC 1'))
        expect(isDataError(syntax)).toBe(false)
      } finally {
        await client.end()
      }
      const refused = await thrown(async () => {
        const other = new pg.Client({ connectionString: 'postgres://postgres@127.0.0.1:1/test' })
        other.on('error', () => undefined)
        await other.connect()
      })
      expect(isDataError(refused)).toBe(false)
    },
  )
})
