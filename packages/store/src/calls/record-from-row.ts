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
import { CALL_COLUMN_SPECS, type CallColumn } from './call-columns.js'

/** A `calls` row as read with `callColumnsSelect` (money as text; integers as number or string). */
export type StoredCallRow = Record<CallColumn, unknown>

const ZERO = '0' as Usd

/** Converts a stored row back into a CallRecord. */
export function recordFromRow(row: StoredCallRow): CallRecord {
  const record: Record<string, unknown> = {}
  for (const column of CALL_COLUMN_SPECS) column.set(record, column.codec.read(row[column.name]))
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
