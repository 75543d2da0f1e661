/**
 * The tag rollups (`call_tag_rollups` hourly, `call_tag_rollups_daily`, migration 007): for each
 * tag key the ledger rolls up (`rollup_tag_keys`, a ledger setting), the hourly rollup's sums per
 * value of that key. Every call counts once per rolled-up key: under its value, or as untagged
 * (`tagged` 0, `tag_value` '') when it has no such tag, so the rows of one key partition all
 * calls and a breakdown by the key (the untagged group included) reads them alone.
 *
 * Unlike the plain rollups, the tag rows answer every figure alone, with no raw-call part: they
 * are also keyed by the id an unknown model was served (else requested) as, `unknown_model` (''
 * for a known model), so unpriced models are named without reading their calls, and by `priced`
 * (0 for unpriced calls), so the provider-reported cost of the calls we could not price is the
 * `reported_cost_pico` of the `priced = 0` rows. (Reading those calls raw was most of the time of
 * a 30-day view: 8% of a ledger's calls, each on its own page.)
 *
 * Writers add the contribution of the calls they write in the same transaction as the plain
 * rollups, from the same `RollupDeltas` arithmetic (one `RollupDeltas` per key x value x unknown
 * model x priced), so the tag rows never disagree with `calls`.
 *
 * A key is added with a backfill that runs in chunks of calls, in time order (see
 * tag-rollup-setting.ts). Until it is complete, `backfilled_until` says which calls the tag rows
 * already hold: those with `ts` below it. Writers and reprices move only those calls' share (the
 * backfill adds the rest as it goes), and queries use a key only once it is complete (NULL).
 */
import { columnIndex } from './calls/call-columns.js'
import type { CallRow } from './calls/row-from-record.js'
import { ROLLUP_SUM_COLUMNS, type RollupDelta, RollupDeltas, type RollupSource } from './rollups.js'
import { dailyDeltas } from './daily-rollups.js'

/** One rolled-up tag key: complete when `backfilledUntil` is null. */
export interface TagRollupKeyRow {
  key: string
  /** Calls with `ts` below this are in the tag rows; null: every call (the key is complete). */
  backfilledUntil: number | null
}

/** The key columns a tag rollup row adds to the plain rollup's, in `TagCell` order. */
export const TAG_KEY_COLUMNS = [
  'tag_key',
  'tagged',
  'tag_value',
  'unknown_model',
  'priced',
] as const

/** Which tag row of one key a call falls in, besides the plain rollup key. */
export interface TagCell {
  tagKey: string
  /** 1: the call has the tag; 0: it has not (`tagValue` is then ''). */
  tagged: 0 | 1
  tagValue: string
  /** For a call without a canonical model: the id served, else requested; '' otherwise. */
  unknownModel: string
  /** 1: the call has a computed cost. */
  priced: 0 | 1
}

/** What a call's tag rows depend on besides its rollup contribution. */
export type TagSource = RollupSource & Pick<CallRow, 'tags'>

const SERVED = columnIndex('served_model')
const REQUESTED = columnIndex('requested_model')

/** The id a call's model goes by when the pricing table does not know it: served, else requested. */
function rawModelId(served: unknown, requested: unknown): string {
  return served === null || served === undefined ? String(requested) : String(served)
}

/** The raw model id of a row being inserted, from its column values. */
export function rawModelOfRow(row: CallRow): string {
  return rawModelId(row.values[SERVED], row.values[REQUESTED])
}

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
    const unknownModel = call.model === null ? rawModel : ''
    const priced = call.costPico === null ? 0 : 1
    for (const key of keys) {
      if (!tagRowsHold(key, call.ts)) continue
      const value = Object.hasOwn(call.tags, key.key) ? call.tags[key.key] : undefined
      const tagged = value === undefined ? 0 : 1
      const id = `${key.key}\u0000${tagged}\u0000${value ?? ''}\u0000${unknownModel}\u0000${priced}`
      let entry = this.#byTag.get(id)
      if (!entry) {
        const tag: TagCell = {
          tagKey: key.key,
          tagged,
          tagValue: value ?? '',
          unknownModel,
          priced,
        }
        entry = { tag, deltas: new RollupDeltas() }
        this.#byTag.set(id, entry)
      }
      entry.deltas.add(call, sign)
    }
  }

  /** Adds sums already computed per row (by the database), as `RollupDeltas.addSums`. */
  addSums(tag: TagCell, key: RollupDelta['key'], sums: readonly bigint[]): void {
    this.#deltasOf(tag).addSums(key, sums)
  }

  #deltasOf(tag: TagCell): RollupDeltas {
    // The same id as `add` makes.
    const id = `${tag.tagKey}\u0000${tag.tagged}\u0000${tag.tagValue}\u0000${tag.unknownModel}\u0000${tag.priced}`
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
  if (a.unknownModel !== b.unknownModel) return a.unknownModel < b.unknownModel ? -1 : 1
  return a.priced - b.priced
}

/** The bind values of a tag delta's key, in `tagRollupKeyColumns` order (tag cell, time, key). */
export function tagDeltaKeyValues(delta: TagRollupDelta): (string | number)[] {
  const { tag, key } = delta
  return [
    tag.tagKey,
    tag.tagged,
    tag.tagValue,
    tag.unknownModel,
    tag.priced,
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
