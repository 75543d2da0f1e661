/**
 * `calls` row -> CallRecord, following the column table. Exact: money is read as text (see
 * MONEY_COLUMNS) and comes back as a `Usd` decimal.
 *
 * Normalisations (the only ways a record read back differs from the one written):
 * - `timestamp` comes back in `Date#toISOString()` form (millisecond precision, `Z`);
 * - money comes back in minimal form (`"0.50"` -> `"0.5"`);
 * - `usage.cacheWrite1hTokens` is omitted when 0;
 * - `cacheSavings` is always present (null when unknown);
 * - `costBreakdown` is null when its input part is; a missing other part reads as `"0"`.
 */
import type { Usd } from '@tokenledger/pricing'
import type { CallRecord } from '../call-record.js'
import { CALL_COLUMN_SPECS, type CallColumn, type CallColumnSpec } from './call-columns.js'

/** A `calls` row as read with `CALL_COLUMNS_SELECT` (money as text; integers as number or string). */
export type StoredCallRow = Record<CallColumn, unknown>

const ZERO = '0' as Usd

/** Converts a stored row back into a CallRecord. */
export function recordFromRow(row: StoredCallRow): CallRecord {
  const record = fieldsOf(row)
  const breakdown = record['costBreakdown'] as Partial<CallRecord['costBreakdown']> | undefined
  record['costBreakdown'] =
    breakdown?.input === undefined
      ? null
      : {
          input: breakdown.input,
          cacheRead: breakdown.cacheRead ?? ZERO,
          cacheWrite: breakdown.cacheWrite ?? ZERO,
          output: breakdown.output ?? ZERO,
        }
  return record as unknown as CallRecord
}

/**
 * Every column's field of a row, set as each column's `set` would (undefined left out; null left
 * out one level down; a parent object made at its first column). Compiled once from the column
 * table into straight-line code: the loop over `set` closures wrote 33 computed keys per row, and a
 * calls page spent more time here than in SQLite. Names and paths come from the table alone
 * (JSON-quoted), so the source holds no outside text.
 */
const fieldsOf = compileFieldsOf(CALL_COLUMN_SPECS)

function compileFieldsOf(
  columns: readonly CallColumnSpec[],
): (row: StoredCallRow) => Record<string, unknown> {
  const lines = ['const record = {}', 'let value']
  const parents = new Set<string>()
  columns.forEach((column, i) => {
    const read = `value = read${i}(row[${JSON.stringify(column.name)}])`
    const dot = column.field.indexOf('.')
    if (dot < 0) {
      lines.push(read, `if (value !== undefined) record[${JSON.stringify(column.field)}] = value`)
      return
    }
    const parent = JSON.stringify(column.field.slice(0, dot))
    const key = JSON.stringify(column.field.slice(dot + 1))
    if (!parents.has(parent)) {
      parents.add(parent)
      lines.push(`record[${parent}] ??= {}`)
    }
    lines.push(read, `if (value !== undefined && value !== null) record[${parent}][${key}] = value`)
  })
  lines.push('return record')
  // One parameter per codec, as columnValues (row-from-record.ts) has: each call site sees one.
  const readers = columns.map((_, i) => `read${i}`)
  return new Function(...readers, `return function fieldsOf(row) {\n${lines.join('\n')}\n}`)(
    ...columns.map((column) => column.codec.read),
  )
}
