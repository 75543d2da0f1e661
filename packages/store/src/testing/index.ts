/**
 * @module @tokenledger/store/testing: deterministic call records and the seeded random source
 * behind them, for tests, benchmarks and demos of packages that use the ledger. Pure: importing
 * it connects to nothing (the engines are in `@tokenledger/store/testing/engines`). Not part of
 * the stable API.
 */
export { callRecord, reportedUsage } from './call-record.js'
export { createRecordFactory, FACTORY_PROFILES } from './record-factory.js'
export type { RecordFactory, RecordFactoryOptions } from './record-factory.js'
export { SeededRandom } from './seeded-random.js'
