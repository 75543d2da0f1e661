/**
 * The tag rollups (`call_tag_rollups` hourly, `call_tag_rollups_daily`, migration 007): for each
 * tag key the ledger rolls up (`rollup_tag_keys`, a ledger setting), the hourly rollup's sums per
 * value of that key. Every call counts once per rolled-up key: under its value, or as untagged
 * (`tagged` 0, `tag_value` '') when it has no such tag, so the rows of one key partition all
 * calls and a breakdown by the key (the untagged group included) reads them alone.
 *
 * Writers add the contribution of the calls they write in the same transaction as the plain
 * rollups, from the same `RollupDeltas` arithmetic (one `RollupDeltas` per key x value), so the
 * tag rows never disagree with `calls`.
 *
 * A key is added with a backfill that runs in chunks of calls, in time order (see
 * tag-rollup-setting.ts). Until it is complete, `backfilled_until` says which calls the tag rows
 * already hold: those with `ts` below it. Writers and reprices move only those calls' share (the
 * backfill adds the rest as it goes), and queries use a key only once it is complete (NULL).
 */
import type { CallRow } from './record-mapping.js'
import { ROLLUP_SUM_COLUMNS, type RollupDelta, RollupDeltas, type RollupSource } from './rollups.js'
import { dailyDeltas } from './daily-rollups.js'

/** One rolled-up tag key: complete when `backfilledUntil` is null. */
export interface TagRollupKeyRow {
  key: string
  /** Calls with `ts` below this are in the tag rows; null: every call (the key is complete). */
  backfilledUntil: number | null
}

/** The key columns of a tag rollup row before the plain rollup's (hour_ts or day_ts, ...). */
export const TAG_KEY_COLUMNS = ['tag_key', 'tagged', 'tag_value'] as const

/** Which tag row of one key a call falls in. */
export interface TagCell {
  tagKey: string
  /** 1: the call has the tag; 0: it has not (`tagValue` is then ''). */
  tagged: 0 | 1
  tagValue: string
}

/** One pending change to one tag rollup row (hourly, or daily with `key.hourTs` a day start). */
export interface TagRollupDelta extends RollupDelta {
  tag: TagCell
}

/** True when the tag rows of `key` hold (or are to hold) the call at `ts` (see module comment). */
export function tagRowsHold(key: TagRollupKeyRow, ts: number): boolean {
  return key.backfilledUntil === null || ts < key.backfilledUntil
}

/** The tag row of `key` a call with `tags` falls in. */
export function tagCellOf(key: string, tags: Readonly<Record<string, string>>): TagCell {
  const value = Object.hasOwn(tags, key) ? tags[key] : undefined
  return value === undefined
    ? { tagKey: key, tagged: 0, tagValue: '' }
    : { tagKey: key, tagged: 1, tagValue: value }
}

/** Accumulates contributions per tag row: one `RollupDeltas` per tag key x value. */
export class TagRollupDeltas {
  readonly #byTag = new Map<string, { tag: TagCell; deltas: RollupDeltas }>()

  /** Adds (1n) or removes (-1n) one call's contribution to the tag rows of the keys that hold it. */
  add(
    keys: readonly TagRollupKeyRow[],
    call: RollupSource & Pick<CallRow, 'tags'>,
    sign: 1n | -1n = 1n,
  ): void {
    for (const key of keys) {
      if (!tagRowsHold(key, call.ts)) continue
      this.#deltasOf(tagCellOf(key.key, call.tags)).add(call, sign)
    }
  }

  /** Adds sums already computed per row (by the database), as `RollupDeltas.addSums`. */
  addSums(tag: TagCell, key: RollupDelta['key'], sums: readonly bigint[]): void {
    this.#deltasOf(tag).addSums(key, sums)
  }

  #deltasOf(tag: TagCell): RollupDeltas {
    const id = `${tag.tagKey}\u0000${tag.tagged}\u0000${tag.tagValue}`
    let entry = this.#byTag.get(id)
    if (!entry) {
      entry = { tag, deltas: new RollupDeltas() }
      this.#byTag.set(id, entry)
    }
    return entry.deltas
  }

  get size(): number {
    return this.#byTag.size
  }

  /**
   * The hourly deltas that change something, sorted by tag row then by the plain key: one lock
   * order for every writer, as for the plain rollups.
   */
  hourly(): TagRollupDelta[] {
    return this.#collect((deltas) => deltas.sorted())
  }

  /** The same folded per UTC day (`key.hourTs` holds the day's start), in the same order. */
  daily(): TagRollupDelta[] {
    return this.#collect(dailyDeltas)
  }

  #collect(of: (deltas: RollupDeltas) => RollupDelta[]): TagRollupDelta[] {
    const tags = [...this.#byTag.values()].sort((a, b) => compareTags(a.tag, b.tag))
    return tags.flatMap(({ tag, deltas }) => of(deltas).map((delta) => ({ ...delta, tag })))
  }
}

function compareTags(a: TagCell, b: TagCell): number {
  if (a.tagKey !== b.tagKey) return a.tagKey < b.tagKey ? -1 : 1
  if (a.tagged !== b.tagged) return a.tagged - b.tagged
  if (a.tagValue !== b.tagValue) return a.tagValue < b.tagValue ? -1 : 1
  return 0
}

/** The bind values of a tag delta's key, in table column order (tag, time, plain key). */
export function tagDeltaKeyValues(delta: TagRollupDelta): (string | number)[] {
  const { tag, key } = delta
  return [
    tag.tagKey,
    tag.tagged,
    tag.tagValue,
    key.hourTs,
    key.provider,
    key.model,
    key.upstream,
    key.status,
  ]
}

/** The two tag rollup tables and their time column. */
export const TAG_ROLLUP_TABLES = [
  { table: 'call_tag_rollups', time: 'hour_ts' },
  { table: 'call_tag_rollups_daily', time: 'day_ts' },
] as const

/** The key columns of a tag rollup table, in `tagDeltaKeyValues` order. */
export function tagRollupKeyColumns(time: 'hour_ts' | 'day_ts'): string[] {
  return [...TAG_KEY_COLUMNS, time, 'provider', 'model', 'upstream', 'status']
}

/** `ON CONFLICT DO UPDATE` assignments adding the excluded row's sums to `table`'s row. */
export function tagUpsertAssignments(table: string): string {
  return ROLLUP_SUM_COLUMNS.map((c) => `${c} = ${table}.${c} + excluded.${c}`).join(', ')
}
