/**
 * The engines every store test runs against (kysely's DIALECTS pattern). Narrow them with
 * `TOKENLEDGER_ENGINES=sqlite` (or `postgres`). Import them from `@tokenledger/store/testing/engines`:
 * importing that entry point probes the PostgreSQL server once (tests need the skip reason when
 * they are collected); `@tokenledger/store/testing` itself never connects anywhere.
 *
 * PostgreSQL: `TOKENLEDGER_TEST_PG_URL` (default postgres://postgres@127.0.0.1:5432/test). Each
 * test gets its own schema `tl_test_<random>`, dropped afterwards, so concurrent runs never
 * collide. When the server is not reachable the PostgreSQL tests are skipped with a notice, unless
 * `CI=true` or `TOKENLEDGER_REQUIRE_PG=1`, where they run and fail.
 */
import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { loadDriver } from '../load-driver.js'
import type { StoreDialect } from '../ledger-store.js'

export const PG_URL =
  process.env['TOKENLEDGER_TEST_PG_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test'
const REQUIRE_PG = process.env['CI'] === 'true' || process.env['TOKENLEDGER_REQUIRE_PG'] === '1'

/** A fresh, empty ledger location and how to remove it. */
export interface LedgerFixture {
  url: string
  cleanup(): Promise<void>
}

export interface TestEngine {
  name: StoreDialect
  /** Why the engine's tests are skipped, or null. */
  skip: string | null
  /** A new empty ledger location (file in a temp dir, or a PostgreSQL schema). */
  fresh(): Promise<LedgerFixture>
}

/** `pg`, loaded only when PostgreSQL is wanted: it is an optional peer dependency of the store. */
const loadPg = async () => (await loadDriver('pg', PG_URL, () => import('pg'))).default

async function pgReachable(): Promise<string | null> {
  const pg = await loadPg()
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

const wanted = (process.env['TOKENLEDGER_ENGINES'] ?? 'sqlite,postgres')
  .split(',')
  .map((name) => name.trim())

const sqlite: TestEngine = {
  name: 'sqlite',
  skip: null,
  async fresh() {
    const dir = mkdtempSync(join(tmpdir(), 'tokenledger-store-'))
    return {
      url: `sqlite:${join(dir, 'ledger.db')}`,
      cleanup: async () => rmSync(dir, { recursive: true, force: true }),
    }
  },
}

const pgProblem = await pgReachable()
if (pgProblem !== null && !REQUIRE_PG) {
  console.warn(
    `NOTICE: PostgreSQL store tests SKIPPED: ${PG_URL} is not reachable (${pgProblem}). ` +
      'Set CI=true or TOKENLEDGER_REQUIRE_PG=1 to make them mandatory.',
  )
}

const postgres: TestEngine = {
  name: 'postgres',
  skip: pgProblem !== null && !REQUIRE_PG ? `PostgreSQL not reachable: ${pgProblem}` : null,
  async fresh() {
    if (pgProblem !== null) {
      throw new Error(
        `PostgreSQL is required (CI or TOKENLEDGER_REQUIRE_PG) but ${PG_URL} is not reachable: ${pgProblem}`,
      )
    }
    const schema = `tl_test_${randomBytes(6).toString('hex')}`
    const separator = PG_URL.includes('?') ? '&' : '?'
    return {
      url: `${PG_URL}${separator}schema=${schema}`,
      async cleanup() {
        const pg = await loadPg()
        const client = new pg.Client({ connectionString: PG_URL })
        await client.connect()
        try {
          await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`)
        } finally {
          await client.end()
        }
      },
    }
  },
}

/** The engines to test, each with its skip reason (null: runs). */
export const ENGINES: TestEngine[] = [sqlite, postgres].filter((engine) =>
  wanted.includes(engine.name),
)
