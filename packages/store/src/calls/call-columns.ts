/**
 * The `calls` table, one entry per column: the column's name, the CallRecord field it holds and
 * the codec that writes and reads it. The insert column list, the values a writer binds, the
 * PostgreSQL casts and the row -> record mapping are all derived from this one table.
 */
import type { CallsTable } from '../schema.js'
import {
  type ColumnCodec,
  flag,
  money,
  nonEmptyText,
  oneOf,
  optionalCount,
  optionalText,
  optionalTokens,
  provenance,
  tags,
  text,
  timestamp,
  tokens,
} from './column-codecs.js'

/** A CallRecord field as a path: top-level, or one level into `usage` or `costBreakdown`. */
export type FieldPath =
  | 'id'
  | 'timestamp'
  | 'provider'
  | 'requestedModel'
  | 'servedModel'
  | 'model'
  | 'upstreamProvider'
  | 'endpoint'
  | 'stream'
  | 'status'
  | 'httpStatus'
  | 'errorType'
  | `usage.${'inputTokens' | 'cacheReadTokens' | 'cacheWriteTokens' | 'cacheWrite1hTokens'}`
  | `usage.${'outputTokens' | 'reasoningTokens' | 'provenance'}`
  | 'cost'
  | `costBreakdown.${'input' | 'cacheRead' | 'cacheWrite' | 'output'}`
  | 'cacheSavings'
  | 'card'
  | 'reportedCost'
  | 'latencyMs'
  | 'timeToFirstTokenMs'
  | 'requestId'
  | 'serviceTier'
  | 'tags'

/** One column of `calls`. */
export interface CallColumnSpec {
  readonly name: keyof CallsTable
  /** The record field it holds, as error messages name it. */
  readonly field: FieldPath
  readonly codec: ColumnCodec
  /** The field's value in a record (undefined when a parent object is null or absent). */
  readonly get: (record: object) => unknown
}

type Entry = [name: keyof CallsTable, field: FieldPath, codec: ColumnCodec]

const MAX_DURATION = Number.MAX_SAFE_INTEGER

/** The columns, in the order a row's values are bound. */
const ENTRIES = [
  ['id', 'id', nonEmptyText],
  ['ts', 'timestamp', timestamp],
  ['provider', 'provider', nonEmptyText],
  ['requested_model', 'requestedModel', text],
  ['served_model', 'servedModel', optionalText],
  ['model', 'model', optionalText],
  ['upstream_provider', 'upstreamProvider', optionalText],
  ['endpoint', 'endpoint', text],
  ['stream', 'stream', flag],
  ['status', 'status', oneOf(['ok', 'error', 'aborted'])],
  ['http_status', 'httpStatus', optionalCount(999, 'integer')],
  ['error_type', 'errorType', optionalText],
  ['input_tokens', 'usage.inputTokens', tokens],
  ['cache_read_tokens', 'usage.cacheReadTokens', tokens],
  ['cache_write_tokens', 'usage.cacheWriteTokens', tokens],
  ['cache_write_1h_tokens', 'usage.cacheWrite1hTokens', optionalTokens],
  ['output_tokens', 'usage.outputTokens', tokens],
  ['reasoning_tokens', 'usage.reasoningTokens', tokens],
  ['usage_provenance', 'usage.provenance', provenance],
  ['cost_pico', 'cost', money],
  ['cost_input_pico', 'costBreakdown.input', money],
  ['cost_cache_read_pico', 'costBreakdown.cacheRead', money],
  ['cost_cache_write_pico', 'costBreakdown.cacheWrite', money],
  ['cost_output_pico', 'costBreakdown.output', money],
  ['cache_savings_pico', 'cacheSavings', money],
  ['card', 'card', optionalText],
  ['reported_cost_pico', 'reportedCost', money],
  ['latency_ms', 'latencyMs', optionalCount(MAX_DURATION, 'bigint')],
  ['ttft_ms', 'timeToFirstTokenMs', optionalCount(MAX_DURATION, 'bigint')],
  ['request_id', 'requestId', optionalText],
  ['service_tier', 'serviceTier', optionalText],
  ['tags', 'tags', tags],
] as const satisfies readonly Entry[]

/** A column of `calls`. */
export type CallColumn = (typeof ENTRIES)[number][0]

/** The table. */
export const CALL_COLUMN_SPECS: readonly CallColumnSpec[] = ENTRIES.map(
  ([name, field, codec]): CallColumnSpec => ({ name, field, codec, get: getter(field) }),
)

/** The columns of `calls`, in the order a row's values are bound. */
export const CALL_COLUMNS: readonly CallColumn[] = ENTRIES.map(([name]) => name)

/** Money columns, read back with `CAST(x AS TEXT)` so no value ever passes through a JS number. */
export const MONEY_COLUMNS: ReadonlySet<CallColumn> = new Set(
  ENTRIES.filter(([, , codec]) => codec === money).map(([name]) => name),
)

/** Where column `name` is in a row's values. */
export function columnIndex(name: CallColumn): number {
  return CALL_COLUMNS.indexOf(name)
}

function getter(field: FieldPath): CallColumnSpec['get'] {
  const dot = field.indexOf('.')
  if (dot < 0) return (record) => (record as Record<string, unknown>)[field]
  const parent = field.slice(0, dot)
  const key = field.slice(dot + 1)
  return (record) => (record as Record<string, Record<string, unknown> | null>)[parent]?.[key]
}
