/**
 * One call as a CSV row: every field of the record, usage and breakdown flattened. Money is the
 * exact decimal, an unpriced cost an empty cell.
 */
import { USAGE_FIELDS } from '@tokenledger/pricing'
import type { CallRecord } from '@tokenledger/store'
import type { CsvCell } from '../csv.js'

/** The columns of a calls CSV: every field of the record, usage and breakdown flattened. */
export const CALL_CSV_COLUMNS = [
  'id',
  'timestamp',
  'provider',
  'requested_model',
  'served_model',
  'model',
  'upstream_provider',
  'endpoint',
  'stream',
  'status',
  'http_status',
  'error_type',
  'input_tokens',
  'cache_read_tokens',
  'cache_write_tokens',
  'cache_write_1h_tokens',
  'output_tokens',
  'reasoning_tokens',
  ...USAGE_FIELDS.map(
    (field) =>
      `provenance_${field.replace(/Tokens$/, '').replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`)}`,
  ),
  'cost_usd',
  'cost_input_usd',
  'cost_cache_read_usd',
  'cost_cache_write_usd',
  'cost_output_usd',
  'cache_savings_usd',
  'card',
  'reported_cost_usd',
  'latency_ms',
  'time_to_first_token_ms',
  'request_id',
  'service_tier',
  'tags',
]

/** One call as a CSV line (same order as CALL_CSV_COLUMNS). */
export function callCsvRow(call: CallRecord): CsvCell[] {
  const b = call.costBreakdown
  return [
    call.id,
    call.timestamp,
    call.provider,
    call.requestedModel,
    call.servedModel,
    call.model,
    call.upstreamProvider,
    call.endpoint,
    call.stream,
    call.status,
    call.httpStatus,
    call.errorType,
    call.usage.inputTokens,
    call.usage.cacheReadTokens,
    call.usage.cacheWriteTokens,
    call.usage.cacheWrite1hTokens ?? 0,
    call.usage.outputTokens,
    call.usage.reasoningTokens,
    ...USAGE_FIELDS.map((field) => call.usage.provenance[field]),
    call.cost,
    b?.input,
    b?.cacheRead,
    b?.cacheWrite,
    b?.output,
    call.cacheSavings,
    call.card,
    call.reportedCost,
    call.latencyMs,
    call.timeToFirstTokenMs,
    call.requestId,
    call.serviceTier,
    Object.keys(call.tags).length === 0 ? '' : JSON.stringify(call.tags),
  ]
}
