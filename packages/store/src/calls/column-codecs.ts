/**
 * How one kind of record field is stored in one `calls` column: the check and conversion on the
 * way in, the conversion on the way out, and the column's PostgreSQL type. `call-columns.ts` says
 * which field goes to which column with which codec.
 */
import { picoFromUsd, usdFromPico, USAGE_FIELDS } from '@tokenledger/pricing'
import type { Provenance, Usd, UsageProvenance } from '@tokenledger/pricing'
import type { Tags } from '../call-record.js'

/** What a writer binds for one column: bigint for money, 0/1 for a flag. */
export type ColumnValue = string | number | bigint | null

/** How a field is stored in a column. */
export interface ColumnCodec {
  /** The column's type in PostgreSQL, for the casts out of a JSON row (postgres-writer.ts). */
  readonly pgType: 'text' | 'bigint' | 'integer'
  /**
   * Checks a record field and converts it to the column value.
   * @throws FieldProblem saying what is wrong with it
   */
  readonly write: (field: unknown) => ColumnValue
  /** Converts a stored value back; `undefined` leaves the field out of the record. */
  readonly read: (stored: unknown) => unknown
}

/** What is wrong with one field; the writer adds the record's place and the field's name. */
export class FieldProblem extends Error {
  /** A part of the field, e.g. `inputTokens` of `usage.provenance`. */
  readonly part: string | null

  constructor(problem: string, part: string | null = null) {
    super(problem)
    this.part = part
  }
}

function codec(
  pgType: ColumnCodec['pgType'],
  write: ColumnCodec['write'],
  read: ColumnCodec['read'],
): ColumnCodec {
  return { pgType, write, read }
}

/** A string the record must have. */
export const text = codec(
  'text',
  (field) => {
    if (typeof field !== 'string') throw new FieldProblem('expected a string')
    return field
  },
  (stored) => String(stored),
)

/** A string the record must have, not empty. */
export const nonEmptyText = codec(
  'text',
  (field) => {
    if (typeof field !== 'string' || field === '') {
      throw new FieldProblem('expected a non-empty string')
    }
    return field
  },
  (stored) => String(stored),
)

/** A string or null (absent is null). */
export const optionalText = codec(
  'text',
  (field) => {
    if (field === null || field === undefined) return null
    if (typeof field !== 'string') throw new FieldProblem('expected a string or null')
    return field
  },
  (stored) => toText(stored),
)

/** One of a few strings. */
export function oneOf(values: readonly string[]): ColumnCodec {
  const allowed = new Set(values)
  const expected = `expected ${values.slice(0, -1).join(', ')} or ${values.at(-1)}`
  return codec(
    'text',
    (field) => {
      if (typeof field !== 'string' || !allowed.has(field)) {
        throw new FieldProblem(`${expected}, got ${JSON.stringify(field)}`)
      }
      return field
    },
    (stored) => String(stored),
  )
}

/** A boolean, stored as 0 or 1. */
export const flag = codec(
  'integer',
  (field) => (field ? 1 : 0),
  (stored) => toInt(stored) === 1,
)

/** An ISO 8601 date-time, stored as epoch milliseconds; read back in `toISOString()` form. */
export const timestamp = codec(
  'bigint',
  (field) => {
    const ms = typeof field === 'string' ? Date.parse(field) : Number.NaN
    if (!Number.isFinite(ms)) {
      throw new FieldProblem(`expected an ISO 8601 date-time, got ${JSON.stringify(field)}`)
    }
    return ms
  },
  (stored) => new Date(toInt(stored)).toISOString(),
)

/** An integer from 0 to `max`, or null (absent is null). */
export function optionalCount(max: number, pgType: 'bigint' | 'integer'): ColumnCodec {
  return codec(
    pgType,
    (field) => {
      if (field === null || field === undefined) return null
      if (typeof field !== 'number' || !Number.isSafeInteger(field) || field < 0 || field > max) {
        throw new FieldProblem(`expected an integer from 0 to ${max}, got ${String(field)}`)
      }
      return field
    },
    (stored) => (stored === null || stored === undefined ? null : toInt(stored)),
  )
}

/** A token count of a usage already checked by `checkUsage`. */
export const tokens = codec(
  'bigint',
  (field) => field as number,
  (stored) => toInt(stored),
)

/** An optional token count (checked by `checkUsage`), stored as 0 when absent, left out when 0. */
export const optionalTokens = codec(
  'bigint',
  (field) => (field as number | undefined) ?? 0,
  (stored) => (toInt(stored) === 0 ? undefined : toInt(stored)),
)

const PROVENANCES = new Set<string>(['reported', 'derived', 'estimated', 'missing'])

/**
 * The provenance of each usage figure, stored as JSON with exactly the USAGE_FIELDS keys in their
 * order. Written out rather than `JSON.stringify`d: it runs once per stored call, and the checked
 * values need no escaping.
 */
export const provenance = codec(
  'text',
  (field) => {
    const given = field as Partial<Record<string, unknown>> | undefined
    let json = '{'
    for (let i = 0; i < USAGE_FIELDS.length; i++) {
      const name = USAGE_FIELDS[i]!
      const value = given?.[name]
      if (typeof value !== 'string' || !PROVENANCES.has(value)) {
        throw new FieldProblem('expected reported, derived, estimated or missing', name)
      }
      json += `${i === 0 ? '' : ','}"${name}":"${value}"`
    }
    return `${json}}`
  },
  (stored) => JSON.parse(String(stored)) as Record<keyof UsageProvenance, Provenance>,
)

/** Tags, stored as a JSON object (absent is `{}`); every value must be a string. */
export const tags = codec(
  'text',
  (field) => JSON.stringify(checkedTags(field)),
  (stored) => JSON.parse(String(stored)) as Tags,
)

/** A record's tags (`{}` when absent) once every value is checked to be a string. */
export function checkedTags(field: unknown): Tags {
  const given = (field ?? {}) as Record<string, unknown>
  for (const key of Object.keys(given)) {
    if (typeof given[key] !== 'string') throw new FieldProblem('expected a string value', key)
  }
  return given as Tags
}

/**
 * Largest amount a money column holds: below 2^63 picodollars (about 9.2 million USD), the range
 * of a 64-bit integer on both engines.
 */
const MAX_PICO = 2n ** 63n - 1n

/**
 * A USD amount or null, stored as integer picodollars. Read the column back as text (see
 * MONEY_COLUMNS), so no amount ever passes through a JS number.
 */
export const money = codec(
  'bigint',
  (field) => {
    if (field === null || field === undefined) return null
    const pico = typeof field === 'string' ? picoOrNull(field) : null
    if (pico === null) {
      throw new FieldProblem(
        `expected a decimal USD amount with at most 12 places, got ${JSON.stringify(field)}`,
      )
    }
    if (pico > MAX_PICO || pico < -MAX_PICO) {
      throw new FieldProblem(`${field} USD is beyond what the ledger stores (below 9,223,372 USD)`)
    }
    return pico
  },
  (stored) => toUsd(stored),
)

function picoOrNull(usd: string): bigint | null {
  try {
    return picoFromUsd(usd)
  } catch {
    return null
  }
}

/** An integer column value (number, bigint or numeric string) as a number. */
export function toInt(value: unknown): number {
  if (typeof value === 'number') return value
  if (typeof value === 'bigint' || typeof value === 'string') return Number(value)
  return 0
}

/** A picodollar column read as text (or bigint) to a `Usd`, null staying null. */
export function toUsd(value: unknown): Usd | null {
  if (value === null || value === undefined) return null
  if (typeof value === 'number' && !Number.isSafeInteger(value)) {
    throw new RangeError(`picodollar amount ${value} lost precision: read money columns as text`)
  }
  return usdFromPico(BigInt(value as string | number | bigint))
}

function toText(value: unknown): string | null {
  return value === null || value === undefined ? null : String(value)
}
