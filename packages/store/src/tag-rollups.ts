/**
 * The tag rollups (`call_tag_rollups` hourly, `call_tag_rollups_daily`, migration 007): for each
 * tag key the ledger rolls up (`rollup_tag_keys`, a ledger setting), the hourly rollup's sums per
 * value of that key. Every call counts once per rolled-up key: under its value, or as untagged
 * (`tagged` 0, `tag_value` '') when it has no such tag, so the rows of one key partition all
 * calls and a breakdown by the key (the untagged group included) reads them alone.
 *
 * Like the plain rollups (migration 008), the tag rows answer every figure alone, with no
 * raw-call part: their key is the plain rollup key (`unknown_model` and `priced` included, see
 * rollups.ts) with the tag columns in front.
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
import type { CallRow } from './calls/row-from-record.js'
import {
  ROLLUP_KEY_COLUMNS,
  type RollupDelta,
  RollupDeltas,
  type RollupSource,
  rawModelId,
  rollupKeyValues,
} from './rollups.js'
import { dailyDeltas } from './daily-rollups.js'

/** One rolled-up tag key: complete when `backfilledUntil` is null. */
export interface TagRollupKeyRow {
  key: string
  /** Calls with `ts` below this are in the tag rows; null: every call (the key is complete). */
  backfilledUntil: number | null
}

/** The key columns a tag rollup row adds to the plain rollup's, in `TagCell` order. */
export const TAG_KEY_COLUMNS = ['tag_key', 'tagged', 'tag_value'] as const

/** Which tag row of one key a call falls in, besides the plain rollup key. */
export interface TagCell {
  tagKey: string
  /** 1: the call has the tag; 0: it has not (`tagValue` is then ''). */
  tagged: 0 | 1
  tagValue: string
}

/** What a call's tag rows depend on besides its rollup contribution. */
export type TagSource = RollupSource & Pick<CallRow, 'tags'>

/** One pending change to one tag rollup row (hourly, or daily with `key.hourTs` a day start). */
export interface TagRollupDelta extends RollupDelta {
  tag: TagCell
}

/** True when the tag rows of `key` hold (or are to hold) the call at `ts` (see module comment). */
export function tagRowsHold(key: TagRollupKeyRow, ts: number): boolean {
  return key.backfilledUntil === null || ts < key.backfilledUntil
}

/**
 * The tag fields of a stored call, as selected (`tags`, `served_model`, `requested_model`): its
 * tags and its raw model id.
 */
export function tagFieldsOf(row: Record<string, unknown>): {
  tags: Record<string, string>
  rawModel: string
} {
  return {
    tags: JSON.parse(String(row['tags'])) as Record<string, string>,
    rawModel: rawModelId(row['served_model'], row['requested_model']),
  }
}

/** Accumulates contributions per tag row: one `RollupDeltas` per tag key x value. */
export class TagRollupDeltas {
  readonly #byTag = new Map<string, { tag: TagCell; deltas: RollupDeltas }>()

  /**
   * Adds (1n) or removes (-1n) one call's contribution to the tag rows of the keys that hold it.
   * `rawModel`: the id served, else requested (`rawModelOfRow`, `tagFieldsOf`). Runs per call of
   * every ingest batch: no object is made unless the row is new to the batch.
   */
  add(
    keys: readonly TagRollupKeyRow[],
    call: TagSource,
    rawModel: string,
    sign: 1n | -1n = 1n,
  ): void {
    for (const key of keys) {
      if (!tagRowsHold(key, call.ts)) continue
      const value = Object.hasOwn(call.tags, key.key) ? call.tags[key.key] : undefined
      const tagged = value === undefined ? 0 : 1
      const id = `${key.key}\u0000${tagged}\u0000${value ?? ''}`
      let entry = this.#byTag.get(id)
      if (!entry) {
        const tag: TagCell = { tagKey: key.key, tagged, tagValue: value ?? '' }
        entry = { tag, deltas: new RollupDeltas() }
        this.#byTag.set(id, entry)
      }
      entry.deltas.add(call, rawModel, sign)
    }
  }

  /** Adds sums already computed per row (by the database), as `RollupDeltas.addSums`. */
  addSums(tag: TagCell, key: RollupDelta['key'], sums: readonly bigint[]): void {
    this.#deltasOf(tag).addSums(key, sums)
  }

  #deltasOf(tag: TagCell): RollupDeltas {
    // The same id as `add` makes.
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

/** The bind values of a tag delta's key, in `tagRollupKeyColumns` order (tag cell, plain key). */
export function tagDeltaKeyValues(delta: TagRollupDelta): (string | number)[] {
  const { tag, key } = delta
  return [tag.tagKey, tag.tagged, tag.tagValue, ...rollupKeyValues(key)]
}

/** The two tag rollup tables and their time column. */
export const TAG_ROLLUP_TABLES = [
  { table: 'call_tag_rollups', time: 'hour_ts' },
  { table: 'call_tag_rollups_daily', time: 'day_ts' },
] as const

/** The key columns of a tag rollup table, in `tagDeltaKeyValues` order. */
export function tagRollupKeyColumns(time: 'hour_ts' | 'day_ts'): string[] {
  return [...TAG_KEY_COLUMNS, ...ROLLUP_KEY_COLUMNS.map((c) => (c === 'hour_ts' ? time : c))]
}
