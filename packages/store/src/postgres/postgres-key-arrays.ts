import { sql } from 'kysely'
import type { RawBuilder } from 'kysely'
import { ROLLUP_KEY_COLUMNS } from '../rollups.js'

/** A column of bind values as one typed PostgreSQL array, for `unnest`. */
export function typedArray(values: readonly unknown[], type: string): RawBuilder<unknown> {
  return sql`${values.map((value) => String(value))}::${sql.raw(type)}[]`
}

/**
 * One typed array per rollup key column of `keys` (`rollupKeyValues` rows; in a daily row the
 * time is a day start), for `unnest`: one statement upserts or deletes every row of a batch.
 */
export function rollupKeyArrays(
  keys: readonly (readonly (string | number)[])[],
): RawBuilder<unknown>[] {
  return ROLLUP_KEY_COLUMNS.map((column, i) =>
    typedArray(
      keys.map((key) => key[i]!),
      column === 'hour_ts' ? 'bigint' : column === 'priced' ? 'integer' : 'text',
    ),
  )
}
