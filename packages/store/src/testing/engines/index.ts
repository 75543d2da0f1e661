/**
 * @module @tokenledger/store/testing/engines: the ledger engines (SQLite, PostgreSQL) a test runs
 * against, each giving fresh empty ledgers. Importing this entry point probes the PostgreSQL
 * server once (`TOKENLEDGER_TEST_PG_URL`) so tests know at collection time whether to skip; it
 * needs `pg` installed. Not part of the stable API.
 */
export { ENGINES, PG_URL } from '../test-engines.js'
export type { LedgerFixture, TestEngine } from '../test-engines.js'
