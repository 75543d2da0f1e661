/**
 * @module @tokenledger/store: the ledger of LLM calls, on SQLite (default) or PostgreSQL, via
 * kysely. `openStore()` picks the engine from the store URL, migrates, and returns a LedgerStore.
 */
export { openStore } from './open-store.js'
export { insertSqliteSync } from './sqlite/sqlite-exit-write.js'
export { defaultStoreUrl, parseStoreUrl } from './store-url.js'
export type { StoreLocation } from './store-url.js'
export { PLAIN_GROUP_KEYS } from './ledger-store.js'
export { CALL_SORTS } from './queries/call-filters.js'
export type {
  CallFilterQuery,
  CallSort,
  CostUpdate,
  GroupKey,
  LedgerQuery,
  LedgerStore,
  ListQuery,
  OpenStoreOptions,
  SeriesQuery,
  SeriesRow,
  SetTagRollupKeysOptions,
  StoreDialect,
  SummaryRow,
  TagRollupKey,
  TagRollupProgress,
} from './ledger-store.js'
export { MAX_ROLLUP_TAG_KEYS } from './tag-rollup-setting.js'
export { isGroupKey } from './queries/validate-query.js'
export { mergeSummaryRows } from './queries/summarize.js'
export { mergeSeriesRows } from './queries/time-series.js'
export { CALL_COLUMNS } from './calls/call-columns.js'
export { LATEST_VERSION as LEDGER_SCHEMA_VERSION } from './migrations/index.js'
export type { CallRecord, CallStatus, Tags } from './call-record.js'
export type {
  CallRollupsTable,
  CallsTable,
  CallTagsTable,
  IntColumn,
  LedgerDatabase,
  MigrationsTable,
  NullablePicoColumn,
  PicoColumn,
} from './schema.js'
export {
  isLedgerBusy,
  loadBudgetDefinitions,
  openWhenFree,
  readStandings,
  releaseReservations,
  renewReservations,
  reserveInLedger,
  saveBudgetDefinitions,
} from './budgets/budget-ledger.js'
export type {
  BudgetClaim,
  BudgetStanding,
  BudgetWindow,
  ReserveRequest,
  ReserveResult,
  StoredBudgetDefinition,
} from './budgets/budget-ledger.js'
export { csvCell, csvText, toCsv } from './queries/csv-cell.js'
export type { CsvCell } from './queries/csv-cell.js'
