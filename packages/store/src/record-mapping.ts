/**
 * CallRecord <-> `calls` row. Both directions are exact: money travels as bigint picodollars (and
 * is read back as text), timestamps as epoch milliseconds.
 *
 * Normalisations (the only ways a record read back differs from the one written):
 * - `timestamp` comes back in `Date#toISOString()` form (millisecond precision, `Z`);
 * - money comes back in minimal form (`"0.50"` -> `"0.5"`);
 * - `usage.cacheWrite1hTokens` is omitted when 0;
 * - `cacheSavings` is always present (null when unknown).
 */
import { TokenledgerError, USAGE_FIELDS, checkUsage, usdFromPico } from '@tokenledger/pricing'
import type { MeteredUsage, Provenance, Usd, UsageProvenance } from '@tokenledger/pricing'
import type { CallRecord, CallStatus, Tags } from './call-record.js'

/** The columns of `calls`, in the order `CallRow` values are bound. */
export const CALL_COLUMNS = [
  'id',
  'ts',
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
  'usage_provenance',
  'cost_pico',
  'cost_input_pico',
  'cost_cache_read_pico',
  'cost_cache_write_pico',
  'cost_output_pico',
  'cache_savings_pico',
  'card',
  'reported_cost_pico',
  'latency_ms',
  'ttft_ms',
  'request_id',
  'service_tier',
  'tags',
] as const

export type CallColumn = (typeof CALL_COLUMNS)[number]

/** Money columns, read back with `CAST(x AS TEXT)` so no value ever passes through a JS number. */
export const MONEY_COLUMNS = new Set<CallColumn>([
  'cost_pico',
  'cost_input_pico',
  'cost_cache_read_pico',
  'cost_cache_write_pico',
  'cost_output_pico',
  'cache_savings_pico',
  'reported_cost_pico',
])

/** A record validated and converted for writing: the fields the writers and rollups need. */
export interface CallRow {
  id: string
  ts: number
  provider: string
  model: string | null
  upstream: string | null
  status: CallStatus
  inputTokens: number
  cacheReadTokens: number
  cacheWriteTokens: number
  outputTokens: number
  reasoningTokens: number
  costPico: bigint | null
  cacheSavingsPico: bigint | null
  reportedCostPico: bigint | null
  /** The record's tags (values checked to be strings); `values` holds them as JSON too. */
  tags: Tags
  /** Every column value, in CALL_COLUMNS order (bigint for money, 0/1 for stream). */
  values: (string | number | bigint | null)[]
}

/**
 * Largest amount a money column holds: below 2^63 picodollars (about 9.2 million USD), the range
 * of a 64-bit integer on both engines.
 */
const MAX_PICO = 2n ** 63n - 1n

const STATUSES = new Set<string>(['ok', 'error', 'aborted'])
const PROVENANCES = new Set<string>(['reported', 'derived', 'estimated', 'missing'])

/**
 * Validates a record and converts it to a row.
 * @param where names the record in error messages, e.g. `insert: records[3] (id 9f...)`; a
 *   function is only called when there is an error (ingest converts millions of records).
 * @throws TokenledgerError RECORD_INVALID naming the field; USAGE_INVALID for a broken usage.
 */
export function rowFromRecord(record: CallRecord, where: string | (() => string)): CallRow {
  const place = () => (typeof where === 'string' ? where : where())
  const fail = (field: string, problem: string): never => {
    throw new TokenledgerError('RECORD_INVALID', `${place()}: ${field}: ${problem}`)
  }
  if (typeof record !== 'object' || record === null) {
    throw new TokenledgerError('RECORD_INVALID', `${place()}: expected a CallRecord object`)
  }
  if (typeof record.id !== 'string' || record.id === '') fail('id', 'expected a non-empty string')
  const ts = typeof record.timestamp === 'string' ? Date.parse(record.timestamp) : Number.NaN
  if (!Number.isFinite(ts)) {
    fail('timestamp', `expected an ISO 8601 date-time, got ${JSON.stringify(record.timestamp)}`)
  }
  if (typeof record.provider !== 'string' || record.provider === '') {
    fail('provider', 'expected a non-empty string')
  }
  if (!STATUSES.has(record.status)) {
    fail('status', `expected ok, error or aborted, got ${JSON.stringify(record.status)}`)
  }
  const usage = record.usage
  const broken = usage ? checkUsage(usage) : 'missing'
  if (broken !== null) throw new TokenledgerError('USAGE_INVALID', `${place()}: usage.${broken}`)
  for (const field of USAGE_FIELDS) {
    if (!PROVENANCES.has(usage.provenance?.[field])) {
      fail(`usage.provenance.${field}`, 'expected reported, derived, estimated or missing')
    }
  }
  const money = (field: string, value: string | null | undefined): bigint | null => {
    if (value === null || value === undefined) return null
    const pico = typeof value === 'string' ? parsePico(value) : null
    if (pico === null) {
      fail(
        field,
        `expected a decimal USD amount with at most 12 places, got ${JSON.stringify(value)}`,
      )
    }
    if (pico! > MAX_PICO || pico! < -MAX_PICO) {
      fail(field, `${value} USD is beyond what the ledger stores (below 9,223,372 USD)`)
    }
    return pico
  }
  const count = (field: string, value: number | null | undefined, max: number): number | null => {
    if (value === null || value === undefined) return null
    if (!Number.isSafeInteger(value) || value < 0 || value > max) {
      fail(field, `expected an integer from 0 to ${max}, got ${String(value)}`)
    }
    return value
  }
  const httpStatus = count('httpStatus', record.httpStatus, 999)
  const latencyMs = count('latencyMs', record.latencyMs, Number.MAX_SAFE_INTEGER)
  const ttftMs = count('timeToFirstTokenMs', record.timeToFirstTokenMs, Number.MAX_SAFE_INTEGER)
  const costPico = money('cost', record.cost)
  const breakdown = record.costBreakdown
  const inputPico = breakdown ? money('costBreakdown.input', breakdown.input) : null
  const cacheReadPico = breakdown ? money('costBreakdown.cacheRead', breakdown.cacheRead) : null
  const cacheWritePico = breakdown ? money('costBreakdown.cacheWrite', breakdown.cacheWrite) : null
  const outputPico = breakdown ? money('costBreakdown.output', breakdown.output) : null
  const cacheSavingsPico = money('cacheSavings', record.cacheSavings)
  const reportedCostPico = money('reportedCost', record.reportedCost)
  const tags = record.tags ?? {}
  for (const key of Object.keys(tags)) {
    if (typeof tags[key] !== 'string') fail(`tags.${key}`, 'expected a string value')
  }

  return {
    id: record.id,
    ts,
    provider: record.provider,
    model: record.model ?? null,
    upstream: record.upstreamProvider ?? null,
    status: record.status,
    inputTokens: usage.inputTokens,
    cacheReadTokens: usage.cacheReadTokens,
    cacheWriteTokens: usage.cacheWriteTokens,
    outputTokens: usage.outputTokens,
    reasoningTokens: usage.reasoningTokens,
    costPico,
    cacheSavingsPico,
    reportedCostPico,
    tags,
    values: [
      record.id,
      ts,
      record.provider,
      record.requestedModel,
      record.servedModel ?? null,
      record.model ?? null,
      record.upstreamProvider ?? null,
      record.endpoint,
      record.stream ? 1 : 0,
      record.status,
      httpStatus,
      record.errorType ?? null,
      usage.inputTokens,
      usage.cacheReadTokens,
      usage.cacheWriteTokens,
      usage.cacheWrite1hTokens ?? 0,
      usage.outputTokens,
      usage.reasoningTokens,
      provenanceJson(usage.provenance),
      costPico,
      inputPico,
      cacheReadPico,
      cacheWritePico,
      outputPico,
      cacheSavingsPico,
      record.card ?? null,
      reportedCostPico,
      latencyMs,
      ttftMs,
      record.requestId ?? null,
      record.serviceTier ?? null,
      JSON.stringify(tags),
    ],
  }
}

/**
 * `JSON.stringify` of the provenance with exactly the USAGE_FIELDS keys, in their order. Written
 * out because it runs once per stored call; the values were checked against PROVENANCES, which
 * need no escaping.
 */
function provenanceJson(provenance: UsageProvenance): string {
  let json = '{'
  for (let i = 0; i < USAGE_FIELDS.length; i++) {
    const field = USAGE_FIELDS[i]!
    json += `${i === 0 ? '' : ','}"${field}":"${provenance[field]}"`
  }
  return `${json}}`
}

const PICO_PLACES = 12
const ZEROS = '0'.repeat(PICO_PLACES)

/**
 * A decimal USD string to picodollars, exactly as `picoFromUsd` (same accepted forms: an optional
 * leading `-`, digits, optionally `.` and digits, at most 12 significant decimal places), or null
 * when it is not one. A character loop instead of a regular expression and trimming: ingest
 * parses five to seven amounts per call, and this is twice as fast (see bench/ledger-ingest.mjs).
 */
export function parsePico(text: string): bigint | null {
  const end = text.length
  const start = text.charCodeAt(0) === 45 ? 1 : 0
  let dot = -1
  for (let i = start; i < end; i++) {
    const c = text.charCodeAt(i)
    if (c === 46 && dot < 0) dot = i
    else if (c < 48 || c > 57) return null
  }
  if (dot === start || dot === end - 1 || start === end) return null
  let digits: string
  if (dot < 0) {
    digits = text.slice(start) + ZEROS
  } else {
    let last = end
    while (last > dot + 1 && text.charCodeAt(last - 1) === 48) last--
    const places = last - dot - 1
    if (places > PICO_PLACES) return null
    digits = text.slice(start, dot) + text.slice(dot + 1, last) + ZEROS.slice(places)
  }
  const units = BigInt(digits)
  return start === 1 ? -units : units
}

/** A `calls` row as read with `CALL_COLUMNS` (money as text; integers as number or string). */
export type StoredCallRow = Record<CallColumn, unknown>

/** Converts a stored row back into a CallRecord. */
export function recordFromRow(row: StoredCallRow): CallRecord {
  const usage: MeteredUsage = {
    inputTokens: toInt(row.input_tokens),
    cacheReadTokens: toInt(row.cache_read_tokens),
    cacheWriteTokens: toInt(row.cache_write_tokens),
    outputTokens: toInt(row.output_tokens),
    reasoningTokens: toInt(row.reasoning_tokens),
    provenance: JSON.parse(String(row.usage_provenance)) as Record<
      (typeof USAGE_FIELDS)[number],
      Provenance
    >,
  }
  const write1h = toInt(row.cache_write_1h_tokens)
  if (write1h !== 0) usage.cacheWrite1hTokens = write1h
  const input = toUsd(row.cost_input_pico)
  return {
    id: String(row.id),
    timestamp: new Date(toInt(row.ts)).toISOString(),
    provider: String(row.provider),
    requestedModel: String(row.requested_model),
    servedModel: toText(row.served_model),
    model: toText(row.model),
    upstreamProvider: toText(row.upstream_provider),
    endpoint: String(row.endpoint),
    stream: toInt(row.stream) === 1,
    status: String(row.status) as CallStatus,
    httpStatus: toIntOrNull(row.http_status),
    errorType: toText(row.error_type),
    usage,
    cost: toUsd(row.cost_pico),
    costBreakdown:
      input === null
        ? null
        : {
            input,
            cacheRead: toUsd(row.cost_cache_read_pico) ?? ('0' as Usd),
            cacheWrite: toUsd(row.cost_cache_write_pico) ?? ('0' as Usd),
            output: toUsd(row.cost_output_pico) ?? ('0' as Usd),
          },
    cacheSavings: toUsd(row.cache_savings_pico),
    card: toText(row.card),
    reportedCost: toUsd(row.reported_cost_pico),
    latencyMs: toIntOrNull(row.latency_ms),
    timeToFirstTokenMs: toIntOrNull(row.ttft_ms),
    requestId: toText(row.request_id),
    serviceTier: toText(row.service_tier),
    tags: JSON.parse(String(row.tags)) as Record<string, string>,
  }
}

/** An integer column value (number, bigint or numeric string) as a number. */
export function toInt(value: unknown): number {
  if (typeof value === 'number') return value
  if (typeof value === 'bigint' || typeof value === 'string') return Number(value)
  return 0
}

function toIntOrNull(value: unknown): number | null {
  return value === null || value === undefined ? null : toInt(value)
}

function toText(value: unknown): string | null {
  return value === null || value === undefined ? null : String(value)
}

/** A picodollar column read as text (or bigint) to a `Usd`, null staying null. */
export function toUsd(value: unknown): Usd | null {
  if (value === null || value === undefined) return null
  if (typeof value === 'number' && !Number.isSafeInteger(value)) {
    throw new RangeError(`picodollar amount ${value} lost precision: read money columns as text`)
  }
  return usdFromPico(BigInt(value as string | number | bigint))
}
