/**
 * Real ledgers for the dashboard's tests: a SQLite file in a temp dir, or a fresh schema in the
 * PostgreSQL on 127.0.0.1:5432 (database `test`), filled through the real store and reopened
 * read-only as the dashboard opens it. `TOKENLEDGER_ENGINES=sqlite` narrows the engines.
 */
import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { openStore, type CallRecord, type LedgerStore, type StoreDialect } from '@tokenledger/store'
import pg from 'pg'

export const PG_URL =
  process.env['TOKENLEDGER_TEST_PG_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test'
const REQUIRE_PG = process.env['CI'] === 'true' || process.env['TOKENLEDGER_REQUIRE_PG'] === '1'

/** A filled ledger, open read-only. */
export interface TestLedger {
  url: string
  /** Opened with { readOnly: true }, as the dashboard does. */
  store: LedgerStore
  cleanup(): Promise<void>
}

async function pgProblem(): Promise<string | null> {
  const client = new pg.Client({ connectionString: PG_URL, connectionTimeoutMillis: 3000 })
  client.on('error', () => undefined)
  try {
    await client.connect()
    await client.query('SELECT 1')
    return null
  } catch (error) {
    return error instanceof Error ? error.message : String(error)
  } finally {
    await client.end().catch(() => undefined)
  }
}

const problem = await pgProblem()

/** The engines the tests run on, with a reason to skip (null: runs). PostgreSQL is required under CI. */
export const ENGINES: { name: StoreDialect; skip: string | null }[] = [
  { name: 'sqlite' as const, skip: null },
  {
    name: 'postgres' as const,
    skip: problem !== null && !REQUIRE_PG ? `PostgreSQL not reachable: ${problem}` : null,
  },
].filter((engine) =>
  (process.env['TOKENLEDGER_ENGINES'] ?? 'sqlite,postgres').split(',').includes(engine.name),
)

/** Creates a ledger on `engine`, inserts `records` through the store, and reopens it read-only. */
export async function createTestLedger(
  engine: StoreDialect,
  records: CallRecord[],
): Promise<TestLedger> {
  let url: string
  let drop: () => Promise<void>
  if (engine === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), 'tokenledger-dashboard-'))
    url = `sqlite:${join(dir, 'ledger.db')}`
    drop = async () => rmSync(dir, { recursive: true, force: true })
  } else {
    if (problem !== null)
      throw new Error(`PostgreSQL is required but ${PG_URL} is not reachable: ${problem}`)
    const schema = `tl_dash_${randomBytes(6).toString('hex')}`
    url = `${PG_URL}${PG_URL.includes('?') ? '&' : '?'}schema=${schema}`
    drop = async () => {
      const client = new pg.Client({ connectionString: PG_URL })
      await client.connect()
      try {
        await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`)
      } finally {
        await client.end()
      }
    }
  }
  const writer = await openStore(url)
  try {
    for (let i = 0; i < records.length; i += 1000) await writer.insert(records.slice(i, i + 1000))
  } finally {
    await writer.close()
  }
  const store = await openStore(url, { readOnly: true })
  return {
    url,
    store,
    cleanup: async () => {
      await store.close()
      await drop()
    },
  }
}
