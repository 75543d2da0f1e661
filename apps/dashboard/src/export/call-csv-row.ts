/**
 * One call as a CSV row: every field of the record, usage and breakdown flattened. Money is the
 * exact decimal, an unpriced cost an empty cell.
 *
 * Its own table, not the store's `calls` columns: the export is a format users read and keep
 * (decimal USD, ISO timestamps, one provenance column per usage figure, no tags as an empty
 * cell), so a change of the ledger's storage must not change it.
 */
import { USAGE_FIELDS } from '@tokenledger/pricing'
import type { CallRecord } from '@tokenledger/store'
import type { CsvCell } from '../csv.js'

/** One CSV column: its header and the cell of a call. */
type CsvColumn = readonly [header: string, cell: (call: CallRecord) => CsvCell]

/** `cacheReadTokens` -> `provenance_cache_read`. */
const provenanceHeader = (field: string) =>
  `provenance_${field.replace(/Tokens$/, '').replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`)}`

const COLUMNS: readonly CsvColumn[] = [
  ['id', (call) => call.id],
  ['timestamp', (call) => call.timestamp],
  ['provider', (call) => call.provider],
  ['requested_model', (call) => call.requestedModel],
  ['served_model', (call) => call.servedModel],
  ['model', (call) => call.model],
  ['upstream_provider', (call) => call.upstreamProvider],
  ['endpoint', (call) => call.endpoint],
  ['stream', (call) => call.stream],
  ['status', (call) => call.status],
  ['http_status', (call) => call.httpStatus],
  ['error_type', (call) => call.errorType],
  ['input_tokens', (call) => call.usage.inputTokens],
  ['cache_read_tokens', (call) => call.usage.cacheReadTokens],
  ['cache_write_tokens', (call) => call.usage.cacheWriteTokens],
  ['cache_write_1h_tokens', (call) => call.usage.cacheWrite1hTokens ?? 0],
  ['output_tokens', (call) => call.usage.outputTokens],
  ['reasoning_tokens', (call) => call.usage.reasoningTokens],
  ...USAGE_FIELDS.map((field): CsvColumn => [
    provenanceHeader(field),
    (call) => call.usage.provenance[field],
  ]),
  ['cost_usd', (call) => call.cost],
  ['cost_input_usd', (call) => call.costBreakdown?.input],
  ['cost_cache_read_usd', (call) => call.costBreakdown?.cacheRead],
  ['cost_cache_write_usd', (call) => call.costBreakdown?.cacheWrite],
  ['cost_output_usd', (call) => call.costBreakdown?.output],
  ['cache_savings_usd', (call) => call.cacheSavings],
  ['card', (call) => call.card],
  ['reported_cost_usd', (call) => call.reportedCost],
  ['latency_ms', (call) => call.latencyMs],
  ['time_to_first_token_ms', (call) => call.timeToFirstTokenMs],
  ['request_id', (call) => call.requestId],
  ['service_tier', (call) => call.serviceTier],
  ['tags', (call) => (Object.keys(call.tags).length === 0 ? '' : JSON.stringify(call.tags))],
]

/** The columns of a calls CSV: every field of the record, usage and breakdown flattened. */
export const CALL_CSV_COLUMNS: readonly string[] = COLUMNS.map(([header]) => header)

/** One call as a CSV line (same order as CALL_CSV_COLUMNS). */
export function callCsvRow(call: CallRecord): CsvCell[] {
  return COLUMNS.map(([, cell]) => cell(call))
}
