/**
 * @module @tokenledger/store/testing: helpers for tests and benchmarks of packages that use the
 * ledger. Not part of the stable API.
 */
export { createRecordFactory, FACTORY_PROFILES } from './record-factory.js'
export type { RecordFactory, RecordFactoryOptions } from './record-factory.js'
export { ENGINES, PG_URL } from './test-engines.js'
export type { LedgerFixture, TestEngine } from './test-engines.js'
