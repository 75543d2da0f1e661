import { TokenledgerError } from '@tokenledger/pricing'
import { PLAIN_GROUP_KEYS } from '../ledger-store.js'
import type { GroupKey, LedgerQuery } from '../ledger-store.js'

const STATUSES = ['ok', 'error', 'aborted']

/**
 * Checks a query at the boundary, so a bad filter fails with a message naming it instead of
 * silently matching nothing.
 * @param where the method, e.g. `summarize`.
 * @throws TokenledgerError QUERY_INVALID naming the field, the value and what was expected.
 */
export function validateQuery(query: LedgerQuery, where: string): void {
  const fail = (field: string, problem: string): never => {
    throw new TokenledgerError('QUERY_INVALID', `${where}: ${field}: ${problem}`)
  }
  if (query === null || typeof query !== 'object') fail('query', 'expected an object')
  for (const field of ['since', 'until'] as const) {
    const value = query[field]
    if (value !== undefined && !(value instanceof Date && Number.isFinite(value.getTime()))) {
      fail(field, `expected a valid Date, got ${String(value)}`)
    }
  }
  if (query.since && query.until && query.since.getTime() > query.until.getTime()) {
    fail('until', `${query.until.toISOString()} is before since ${query.since.toISOString()}`)
  }
  for (const field of ['provider', 'model'] as const) {
    const value = query[field]
    if (value !== undefined && (typeof value !== 'string' || value === '')) {
      fail(field, `expected a non-empty string, got ${JSON.stringify(value)}`)
    }
  }
  if (query.status !== undefined && !STATUSES.includes(query.status)) {
    fail('status', `expected one of ${STATUSES.join(', ')}, got ${JSON.stringify(query.status)}`)
  }
  if (query.tags !== undefined) {
    if (query.tags === null || typeof query.tags !== 'object') fail('tags', 'expected an object')
    for (const [key, value] of Object.entries(query.tags)) {
      if (key === '') fail('tags', 'tag keys must be non-empty')
      if (typeof value !== 'string')
        fail(`tags.${key}`, `expected a string, got ${JSON.stringify(value)}`)
    }
  }
  const seen = new Set<string>()
  for (const [i, key] of (query.groupBy ?? []).entries()) {
    if (!isGroupKey(key)) {
      fail(
        `groupBy[${i}]`,
        `unknown group key ${JSON.stringify(key)}; expected one of ${PLAIN_GROUP_KEYS.join(', ')} or tag:KEY`,
      )
    }
    if (seen.has(key)) fail(`groupBy[${i}]`, `${key} is listed twice`)
    seen.add(key)
  }
}

/** True for a valid GroupKey (`tag:` needs a non-empty key). */
export function isGroupKey(value: unknown): value is GroupKey {
  if (typeof value !== 'string') return false
  if (value.startsWith('tag:')) return value.length > 'tag:'.length
  return (PLAIN_GROUP_KEYS as readonly string[]).includes(value)
}

/** Checks an integer parameter (limit, offset, batch size) against a range. */
export function validateInteger(
  value: unknown,
  field: string,
  where: string,
  min: number,
  max: number,
): void {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new TokenledgerError(
      'QUERY_INVALID',
      `${where}: ${field}: expected an integer from ${min} to ${max}, got ${String(value)}`,
    )
  }
}
