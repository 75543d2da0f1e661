/**
 * CallRecord -> `calls` row, for the writers: the record is checked field by field as it is
 * converted (money to bigint picodollars, the timestamp to epoch milliseconds), following the
 * column table.
 */
import { checkUsage, TokenledgerError } from '@tokenledger/pricing'
import type { CallRecord, CallStatus, Tags } from '../call-record.js'
import { CALL_COLUMN_SPECS, type CallColumnSpec, columnIndex } from './call-columns.js'
import { type ColumnValue, FieldProblem, tags as tagsColumn } from './column-codecs.js'

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
  values: ColumnValue[]
}

/**
 * A record's column values: one function compiled from the column table, a literal array of codec
 * calls in table order. Compiled, not a loop over the table, because each call site then sees one
 * codec, which V8 inlines: the loop (two indirect calls per column) made ingest's conversion about
 * 1.4x slower (timed alone, on the records bench/ledger-ingest.mjs stores).
 */
const columnValues = compileColumnValues(CALL_COLUMN_SPECS)

function compileColumnValues(
  columns: readonly CallColumnSpec[],
): (record: object) => ColumnValue[] {
  // Field paths are a closed set of identifiers (FieldPath), so the source holds no outside text.
  const read = (field: string) =>
    field
      .split('.')
      .map((part, depth) => `${depth === 0 ? '' : '?'}.${part}`)
      .join('')
  const writers = columns.map((_, i) => `write${i}`)
  const source = `return (record) => [${columns.map(({ field }, i) => `write${i}(record${read(field)})`).join(', ')}]`
  return new Function(...writers, source)(...columns.map(({ codec }) => codec.write))
}

/** The first column whose field is wrong, named with its problem (the error path only). */
function firstProblem(record: object): string {
  for (const column of CALL_COLUMN_SPECS) {
    try {
      column.codec.write(column.get(record))
    } catch (error) {
      if (!(error instanceof FieldProblem)) throw error
      const field = error.part === null ? column.field : `${column.field}.${error.part}`
      return `${field}: ${error.message}`
    }
  }
  throw new Error('unreachable: a column failed once and not on the second pass')
}

const TS = columnIndex('ts')
const MODEL = columnIndex('model')
const UPSTREAM = columnIndex('upstream_provider')
const INPUT = columnIndex('input_tokens')
const CACHE_READ = columnIndex('cache_read_tokens')
const CACHE_WRITE = columnIndex('cache_write_tokens')
const OUTPUT = columnIndex('output_tokens')
const REASONING = columnIndex('reasoning_tokens')
const COST = columnIndex('cost_pico')
const CACHE_SAVINGS = columnIndex('cache_savings_pico')
const REPORTED_COST = columnIndex('reported_cost_pico')
const ID = columnIndex('id')
const PROVIDER = columnIndex('provider')
const STATUS = columnIndex('status')
const TAGS = columnIndex('tags')

/**
 * Validates a record and converts it to a row.
 * @param where names the record in error messages, e.g. `insert: records[3] (id 9f...)`; a
 *   function is only called when there is an error (ingest converts millions of records).
 * @throws TokenledgerError RECORD_INVALID naming the field; USAGE_INVALID for a broken usage.
 */
export function rowFromRecord(record: CallRecord, where: string | (() => string)): CallRow {
  const place = () => (typeof where === 'string' ? where : where())
  if (typeof record !== 'object' || record === null) {
    throw new TokenledgerError('RECORD_INVALID', `${place()}: expected a CallRecord object`)
  }
  // The subset rules span several columns: checked once, before the token columns are written.
  const broken = record.usage ? checkUsage(record.usage) : 'missing'
  if (broken !== null) throw new TokenledgerError('USAGE_INVALID', `${place()}: usage.${broken}`)
  let values: ColumnValue[]
  try {
    values = columnValues(record)
  } catch (error) {
    if (!(error instanceof FieldProblem)) throw error
    throw new TokenledgerError('RECORD_INVALID', `${place()}: ${firstProblem(record)}`)
  }
  return rowOf(values, record.tags ?? {})
}

/**
 * The row again from its column values alone (a row's `values` hold every field it has): what
 * crosses to the SQLite write thread, where cloning the values costs a third of cloning the row.
 */
export function rowFromValues(values: ColumnValue[]): CallRow {
  return rowOf(values, tagsColumn.read(values[TAGS]) as Tags)
}

/** The row of converted column values (the fields are read from them by the column table). */
function rowOf(values: ColumnValue[], tags: Tags): CallRow {
  return {
    id: values[ID] as string,
    ts: values[TS] as number,
    provider: values[PROVIDER] as string,
    model: values[MODEL] as string | null,
    upstream: values[UPSTREAM] as string | null,
    status: values[STATUS] as CallStatus,
    inputTokens: values[INPUT] as number,
    cacheReadTokens: values[CACHE_READ] as number,
    cacheWriteTokens: values[CACHE_WRITE] as number,
    outputTokens: values[OUTPUT] as number,
    reasoningTokens: values[REASONING] as number,
    costPico: values[COST] as bigint | null,
    cacheSavingsPico: values[CACHE_SAVINGS] as bigint | null,
    reportedCostPico: values[REPORTED_COST] as bigint | null,
    tags,
    values,
  }
}
