/**
 * The few SQL expressions that differ between SQLite and PostgreSQL. Everything else the queries
 * write is common SQL.
 */
import { DAY_MS as DAY, HOUR_MS as HOUR } from '@tokenledger/pricing'
import { sql } from 'kysely'
import type { RawBuilder } from 'kysely'
import type { StoreDialect } from './ledger-store.js'
import { CALL_COLUMNS, MONEY_COLUMNS } from './calls/call-columns.js'

const SPLIT = 1_000_000n

/**
 * Exact sum of a BIGINT picodollar expression, returned as text (null when every value is null).
 *
 * PostgreSQL sums BIGINT into NUMERIC, which cannot overflow. SQLite sums 64-bit integers and
 * raises "integer overflow" above 9,223,372 USD of picodollars, so there the sum is split into
 * whole microdollars and the picodollar remainder (`x / 1e6` and `x % 1e6`, both exact integer
 * operations), which keeps any realistic ledger total in range; `parseMoneySum` puts them back.
 */
export function moneySum(
  dialect: StoreDialect,
  expr: RawBuilder<unknown>,
): RawBuilder<string | null> {
  if (dialect === 'postgres') return sql<string | null>`CAST(SUM(${expr}) AS TEXT)`
  return sql<string | null>`(SUM((${expr}) / 1000000) || ',' || SUM((${expr}) % 1000000))`
}

/** Reads a `moneySum` value back as picodollars. */
export function parseMoneySum(value: unknown): bigint | null {
  if (value === null || value === undefined) return null
  const text = String(value)
  const comma = text.indexOf(',')
  if (comma < 0) return BigInt(text)
  return BigInt(text.slice(0, comma)) * SPLIT + BigInt(text.slice(comma + 1))
}

/** A time bucket a query can group by. */
export type TimeBucket = 'hour' | 'day' | 'week' | 'month'

const WEEK = 7 * DAY
/** 1970-01-05, the first Monday after the epoch (weeks start on Monday, ISO 8601). */
const FIRST_MONDAY = 4 * DAY

/**
 * The epoch-millisecond start of the UTC bucket holding `ts` (an epoch-millisecond expression).
 * Hours, days and weeks are integer arithmetic; months need the calendar of each engine.
 */
export function bucketStart(
  dialect: StoreDialect,
  bucket: TimeBucket,
  ts: RawBuilder<unknown>,
): RawBuilder<number | string> {
  switch (bucket) {
    case 'hour':
      return sql`(${ts} - ${ts} % ${sql.lit(HOUR)})`
    case 'day':
      return sql`(${ts} - ${ts} % ${sql.lit(DAY)})`
    case 'week':
      return sql`(${ts} - (${ts} - ${sql.lit(FIRST_MONDAY)}) % ${sql.lit(WEEK)})`
    case 'month':
      return dialect === 'postgres'
        ? sql`(CAST(EXTRACT(EPOCH FROM date_trunc('month', to_timestamp(${ts} / 1000) AT TIME ZONE 'UTC')) AS BIGINT) * 1000)`
        : sql`(CAST(strftime('%s', ${ts} / 1000, 'unixepoch', 'start of month') AS INTEGER) * 1000)`
    default:
      return bucket satisfies never
  }
}

/** Formats a bucket start as the group label documented on `GroupKey`. */
export function bucketLabel(bucket: TimeBucket, startMs: number): string {
  const iso = new Date(startMs).toISOString()
  switch (bucket) {
    case 'hour':
      return iso
    case 'day':
    case 'week':
      return iso.slice(0, 10)
    case 'month':
      return iso.slice(0, 7)
    default:
      return bucket satisfies never
  }
}

/**
 * The select list that reads a whole `calls` row, money as text: one raw fragment, written out once
 * (built from 33 references on every page, it cost more to build and compile than the page took to
 * read). The names are the schema's own, double-quoted as both dialects quote them.
 */
export const CALL_COLUMNS_SELECT: RawBuilder<unknown> = sql.raw(
  CALL_COLUMNS.map((column) =>
    MONEY_COLUMNS.has(column)
      ? `CAST("calls"."${column}" AS TEXT) AS "${column}"`
      : `"calls"."${column}"`,
  ).join(', '),
)
