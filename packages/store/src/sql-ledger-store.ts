import { TokenledgerError, picoFromUsd } from '@tokenledger/pricing'
import type { Kysely } from 'kysely'
import type { CallRecord } from './call-record.js'
import { isDataError } from './data-error.js'
import type {
  CallFilterQuery,
  CostUpdate,
  LedgerQuery,
  LedgerStore,
  ListQuery,
  SeriesQuery,
  SeriesRow,
  SetTagRollupKeysOptions,
  StoreDialect,
  SummaryRow,
  TagRollupKey,
} from './ledger-store.js'
import { getCall, iterateCalls, listCalls } from './queries/list-calls.js'
import { summarize } from './queries/summarize.js'
import { tagKeys } from './queries/tag-keys.js'
import { timeSeries } from './queries/time-series.js'
import { rowFromRecord } from './calls/row-from-record.js'
import type { LedgerDatabase } from './schema.js'
import type { CostRow, RowSource, StoreEngine } from './store-engine.js'
import { readTagRollupKeys, setTagRollupKeys } from './tag-rollup-setting.js'

/**
 * The one LedgerStore implementation: validation and conversion here, SQL in queries/ and in the
 * engine's writer. Engines differ only in how they connect and write.
 */
export class SqlLedgerStore implements LedgerStore {
  readonly #engine: StoreEngine
  readonly #where: string
  #closed = false
  readonly readOnly: boolean

  constructor(engine: StoreEngine, options: { readOnly: boolean; where: string }) {
    this.#engine = engine
    this.readOnly = options.readOnly
    this.#where = options.where
    const insertRowsSync = engine.insertRowsSync
    if (insertRowsSync) {
      this.insertSync = (records) => {
        const batch = this.#rowSource('insertSync', records)
        if (!batch) return
        try {
          insertRowsSync(batch.rows)
        } catch (error) {
          throw this.#writeError(batch.what, error)
        }
      }
    }
  }

  /**
   * Checks a batch and wraps it for the engine (null when empty). Records are converted while the
   * engine writes (see RowSource), after insert() has returned its promise: a copy of the list
   * keeps a caller that reuses its array harmless.
   */
  #rowSource(what: string, records: CallRecord[]): { what: string; rows: RowSource } | null {
    this.#assertWritable(what)
    if (!Array.isArray(records)) {
      throw new TokenledgerError(
        'RECORD_INVALID',
        `${what}: records: expected an array of CallRecord, got ${records === null ? 'null' : typeof records}`,
      )
    }
    if (records.length === 0) return null
    const list = records.slice()
    const rows: RowSource = {
      length: list.length,
      rowAt: (i) => {
        const record = list[i]!
        // The record's name is only spelled out for an error message.
        return rowFromRecord(
          record,
          () =>
            `${what}: records[${i}]${typeof record?.id === 'string' ? ` (id ${record.id})` : ''}`,
        )
      },
    }
    // A one-record batch is how the meter isolates a bad record: name it.
    return {
      what: list.length === 1 ? `${what}: records[0] (id ${String(list[0]?.id)})` : what,
      rows,
    }
  }

  get dialect(): StoreDialect {
    return this.#engine.dialect
  }

  get db(): Kysely<LedgerDatabase> {
    return this.#engine.db
  }

  async insert(records: CallRecord[]): Promise<void> {
    const batch = this.#rowSource('insert', records)
    if (!batch) return
    await this.#write(batch.what, () => this.#engine.insertRows(batch.rows))
  }

  /** See LedgerStore.insertSync; undefined when the engine has no synchronous write. */
  readonly insertSync?: (records: CallRecord[]) => void

  async summarize(query: LedgerQuery): Promise<SummaryRow[]> {
    this.#assertOpen('summarize')
    return summarize(this.db, this.dialect, query)
  }

  async timeSeries(query: SeriesQuery): Promise<SeriesRow[]> {
    this.#assertOpen('timeSeries')
    return timeSeries(this.db, this.dialect, query)
  }

  async listCalls(query: ListQuery): Promise<{ rows: CallRecord[]; total: number }> {
    this.#assertOpen('listCalls')
    return listCalls(this.db, this.dialect, query)
  }

  async tagKeys(): Promise<string[]> {
    this.#assertOpen('tagKeys')
    return tagKeys(this.db)
  }

  async tagRollupKeys(): Promise<TagRollupKey[]> {
    this.#assertOpen('tagRollupKeys')
    return readTagRollupKeys(this.db)
  }

  async setTagRollupKeys(
    keys: string[],
    options?: SetTagRollupKeysOptions,
  ): Promise<TagRollupKey[]> {
    this.#assertWritable('setTagRollupKeys')
    try {
      return await setTagRollupKeys(this.db, this.dialect, keys, options)
    } catch (error) {
      throw this.#writeError('setTagRollupKeys', error)
    }
  }

  async getCall(id: string): Promise<CallRecord | null> {
    this.#assertOpen('getCall')
    return getCall(this.db, id)
  }

  async *iterateCalls(query: CallFilterQuery, batchSize?: number): AsyncIterable<CallRecord[]> {
    this.#assertOpen('iterateCalls')
    yield* iterateCalls(this.db, this.dialect, query, batchSize)
  }

  async updateCosts(updates: CostUpdate[]): Promise<void> {
    this.#assertWritable('updateCosts')
    if (updates.length === 0) return
    // The last update of an id wins, as if they were applied one after another.
    const byId = new Map<string, CostRow>()
    updates.forEach((update, i) =>
      byId.set(update.id, costRow(update, `updateCosts: updates[${i}] (id ${update.id})`)),
    )
    await this.#write('updateCosts', () => this.#engine.updateCosts([...byId.values()]))
  }

  async close(): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    await this.#engine.destroy()
  }

  async #write(what: string, run: () => Promise<unknown>): Promise<void> {
    try {
      await run()
    } catch (error) {
      throw this.#writeError(what, error)
    }
  }

  /** A failed write as a TokenledgerError: RECORD_INVALID for a data error, else STORE_UNAVAILABLE. */
  #writeError(what: string, error: unknown): TokenledgerError {
    if (error instanceof TokenledgerError) return error
    const reason = error instanceof Error ? error.message : String(error)
    if (isDataError(error)) {
      return new TokenledgerError(
        'RECORD_INVALID',
        `${this.#where}: ${what}: the database refused a value (${reason}); nothing was written. Write the records one by one to find the bad one`,
        { cause: error },
      )
    }
    return new TokenledgerError(
      'STORE_UNAVAILABLE',
      `${this.#where}: ${what} failed (${reason}); nothing was written`,
      { cause: error },
    )
  }

  #assertOpen(what: string): void {
    if (this.#closed) {
      throw new TokenledgerError(
        'STORE_UNAVAILABLE',
        `${this.#where}: ${what}: the store is closed`,
      )
    }
  }

  #assertWritable(what: string): void {
    this.#assertOpen(what)
    if (this.readOnly) {
      throw new TokenledgerError(
        'STORE_UNAVAILABLE',
        `${this.#where}: ${what}: the store was opened read-only; open it without { readOnly: true } to write`,
      )
    }
  }
}

function costRow(update: CostUpdate, where: string): CostRow {
  const money = (field: string, value: string | null | undefined): bigint | null => {
    if (value === null || value === undefined) return null
    try {
      return picoFromUsd(value)
    } catch {
      throw new TokenledgerError(
        'RECORD_INVALID',
        `${where}: ${field}: expected a decimal USD amount with at most 12 places, got ${JSON.stringify(value)}`,
      )
    }
  }
  if (typeof update.id !== 'string' || update.id === '') {
    throw new TokenledgerError('RECORD_INVALID', `${where}: id: expected a non-empty string`)
  }
  const b = update.costBreakdown
  return {
    id: update.id,
    costPico: money('cost', update.cost),
    breakdownPico: b
      ? [
          money('costBreakdown.input', b.input),
          money('costBreakdown.cacheRead', b.cacheRead),
          money('costBreakdown.cacheWrite', b.cacheWrite),
          money('costBreakdown.output', b.output),
        ]
      : [null, null, null, null],
    cacheSavingsPico: money('cacheSavings', update.cacheSavings),
    card: update.card ?? null,
    model: update.model ?? null,
  }
}
