/**
 * @tokenledger/dashboard: the spend dashboard (Hono app, server and demo ledger).
 * @module
 */
export { createDashboardApp } from './app.js'
export type { DashboardOptions } from './app.js'
export { startDashboard } from './serve.js'
export type { RunningDashboard, StartDashboardOptions } from './serve.js'
export { generateDemoLedger } from './demo/generate-demo-ledger.js'
export type { DemoLedgerOptions, DemoLedgerSummary } from './demo/generate-demo-ledger.js'
export { isLoopbackHost } from './host-check.js'
export { exportCalls, exportFileName, EXPORT_FORMATS } from './export/call-export.js'
export type { ExportFormat } from './export/call-export.js'
export { CALL_CSV_COLUMNS } from './export/call-csv-row.js'
