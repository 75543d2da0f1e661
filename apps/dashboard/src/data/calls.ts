/**
 * Pages of calls for the calls table. `store.listCalls` serves every filter but one: "priced or
 * not", which LedgerQuery does not have. For that filter this module counts from the store's
 * hourly rollups (`summarize` grouped by hour: calls and unpriced calls per hour), uses those
 * counts to find the hours that hold the requested page, selects the page's ids from those hours
 * only through the store's kysely handle (same filters, same newest-first order), and loads the
 * records with `store.getCall`, so the record mapping stays the store's own. Neither the total nor
 * the page ever scans a whole period of raw calls, however rare unpriced calls are.
 */
import type { CallRecord, LedgerStore, SummaryRow } from '@tokenledger/store'
import { HOUR_MS } from '../period.js'
import type { PricedFilter, ViewQuery } from '../validate-query.js'
import { ledgerQueryOf } from './ledger-query.js'

/** One page of calls and how many the view selects. */
export interface CallsPage {
  total: number
  limit: number
  offset: number
  rows: CallRecord[]
}

/** Where a page of the priced/unpriced list lies: time ranges to read, and rows to skip there. */
export interface PagePlan {
  /** Half-open [start, end) epoch-ms ranges, newest first; empty when the page is empty. */
  ranges: { start: number; end: number }[]
  /** OFFSET inside those ranges (the hours newer than them hold the rest of the offset). */
  offset: number
  /** Calls the view selects. */
  total: number
}

/**
 * Plans a page from per-hour counts: skips the newest hours that lie wholly before `offset`, keeps
 * the hours that hold calls `offset .. offset + limit - 1` (newest first), and merges adjacent
 * hours into one range.
 * @param hours one entry per hour with matching calls (any order); `start` is the hour's start
 */
export function planPage(
  hours: readonly { start: number; matching: number }[],
  offset: number,
  limit: number,
): PagePlan {
  const newestFirst = hours.filter((h) => h.matching > 0).sort((a, b) => b.start - a.start)
  const total = newestFirst.reduce((sum, h) => sum + h.matching, 0)
  const ranges: { start: number; end: number }[] = []
  let seen = 0
  let skipped = 0
  for (const hour of newestFirst) {
    if (seen >= offset + limit) break
    seen += hour.matching
    if (seen <= offset) {
      skipped = seen
      continue
    }
    const last = ranges[ranges.length - 1]
    if (last !== undefined && last.start === hour.start + HOUR_MS) last.start = hour.start
    else ranges.push({ start: hour.start, end: hour.start + HOUR_MS })
  }
  return { ranges, offset: offset - skipped, total }
}

function matchingCalls(row: SummaryRow, priced: PricedFilter): number {
  return priced === 'no' ? row.unpricedCalls : row.calls - row.unpricedCalls
}

/** Loads the page of calls a view asks for (newest first). */
export async function loadCalls(store: LedgerStore, view: ViewQuery): Promise<CallsPage> {
  const { limit, offset, priced } = view
  if (priced === null) {
    const page = await store.listCalls({ ...ledgerQueryOf(view), limit, offset })
    return { total: page.total, limit, offset, rows: page.rows }
  }
  const filters = ledgerQueryOf(view)
  // Whole hours come from the rollups (partial edge hours and tag filters from the raw calls).
  const perHour = await store.summarize({ ...filters, groupBy: ['hour'] })
  const plan = planPage(
    perHour.map((row) => ({
      start: Date.parse(row.group['hour']!),
      matching: matchingCalls(row, priced),
    })),
    offset,
    limit,
  )
  if (plan.ranges.length === 0) return { total: plan.total, limit, offset, rows: [] }

  const { since, until, provider, model, status, tags } = filters
  let query = store.db.selectFrom('calls')
  if (since) query = query.where('ts', '>=', since.getTime())
  if (until) query = query.where('ts', '<', until.getTime())
  query = query.where((eb) =>
    eb.or(plan.ranges.map((r) => eb.and([eb('ts', '>=', r.start), eb('ts', '<', r.end)]))),
  )
  if (provider !== undefined) query = query.where('provider', '=', provider)
  if (model !== undefined) query = query.where('model', '=', model)
  if (status !== undefined) query = query.where('status', '=', status)
  query = query.where('cost_pico', priced === 'no' ? 'is' : 'is not', null)
  for (const [key, value] of Object.entries(tags ?? {})) {
    query = query.where(({ exists, selectFrom }) =>
      exists(
        selectFrom('call_tags')
          .select('call_tags.call_id')
          .where('call_tags.key', '=', key)
          .where('call_tags.value', '=', value)
          // All four key columns: a point lookup in call_tags (key, value, ts, call_id), not a scan.
          .whereRef('call_tags.ts', '=', 'calls.ts')
          .whereRef('call_tags.call_id', '=', 'calls.id'),
      ),
    )
  }
  const ids = await query
    .select('id')
    .orderBy('ts', 'desc')
    .orderBy('id', 'desc')
    .limit(limit)
    .offset(plan.offset)
    .execute()
  const records = await Promise.all(ids.map(({ id }) => store.getCall(id)))
  // A call deleted between the two reads is simply not shown; the ledger is append-only in practice.
  const rows = records.filter((record): record is CallRecord => record !== null)
  return { total: plan.total, limit, offset, rows }
}
