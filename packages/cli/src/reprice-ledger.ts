/**
 * Re-pricing a ledger with the current pricing table: a first pass that prices every call again
 * and tallies what would change (by provider and requested model), then the writes.
 */
import {
  picoFromUsd,
  priceCall,
  type PricingTable,
  type Usd,
  usdFromPico,
} from '@tokenledger/pricing'
import type { CallRecord, CostUpdate, LedgerQuery, LedgerStore } from '@tokenledger/store'

/** What re-pricing does to the calls of one provider x requested model. */
export interface RepriceGroup {
  provider: string
  requestedModel: string
  /** Canonical model after re-pricing (null: the pricing table does not know it). */
  model: string | null
  calls: number
  changed: number
  newlyPriced: number
  newlyUnpriced: number
  /** Calls still without a price after re-pricing. */
  unpriced: number
  /** Sum of the stored costs of these calls. */
  oldCost: Usd
  /** Sum of their costs under the current pricing table. */
  newCost: Usd
}

/** Calls examined per page, and cost updates per write transaction. */
const PAGE = 1_000
/** Updates kept from the first pass for writing; beyond this the write pass prices again. */
export const KEEP_UPDATES = 100_000

/**
 * The price a call gets from `table`, by the one rule the meter records with (`priceCall` of
 * @tokenledger/pricing). Null fields: the call cannot be priced.
 */
export function repriceCall(table: PricingTable, call: CallRecord): Omit<CostUpdate, 'id'> {
  const { resolved, cost } = priceCall(table, {
    provider: call.provider,
    requestedModel: call.requestedModel,
    servedModel: call.servedModel,
    at: new Date(call.timestamp),
    usage: call.usage,
    serviceTier: call.serviceTier,
  })
  if (!cost) {
    return {
      cost: null,
      costBreakdown: null,
      cacheSavings: null,
      card: null,
      model: resolved?.model.id ?? null,
    }
  }
  return {
    cost: cost.total,
    costBreakdown: cost.breakdown,
    cacheSavings: cost.cacheSavings,
    card: cost.card.id,
    model: resolved!.model.id,
  }
}

function differs(call: CallRecord, next: Omit<CostUpdate, 'id'>): boolean {
  const a = call.costBreakdown
  const b = next.costBreakdown
  const sameBreakdown =
    a === b ||
    (a !== null &&
      b !== null &&
      a.input === b.input &&
      a.cacheRead === b.cacheRead &&
      a.cacheWrite === b.cacheWrite &&
      a.output === b.output)
  return (
    call.cost !== next.cost ||
    call.card !== next.card ||
    call.model !== next.model ||
    (call.cacheSavings ?? null) !== next.cacheSavings ||
    !sameBreakdown
  )
}

interface Tally {
  groups: Map<string, RepriceGroup & { oldPico: bigint; newPico: bigint }>
  updates: CostUpdate[] | null
  changed: number
}

/** Totals over every group of a plan. */
export interface RepriceTotals {
  calls: number
  changed: number
  newlyPriced: number
  newlyUnpriced: number
  unpriced: number
  oldCost: Usd
  newCost: Usd
  /** newCost - oldCost (negative when prices went down). */
  difference: Usd
}

/** What a reprice would change, computed without writing. */
export interface RepricePlan {
  query: LedgerQuery
  /** By provider, then requested model. */
  groups: RepriceGroup[]
  totals: RepriceTotals
  /** The updates to write, or null when there were more than `keepUpdates` (then applying prices again). */
  updates: CostUpdate[] | null
}

/**
 * First pass: prices every selected call again with `table` and tallies the differences by
 * provider and requested model. Writes nothing.
 * @param keepUpdates how many updates to keep in memory for `applyReprice` (default 100,000);
 *   beyond that `applyReprice` prices the calls a second time instead, so memory stays flat.
 */
export async function planReprice(
  store: LedgerStore,
  table: PricingTable,
  query: LedgerQuery,
  keepUpdates = KEEP_UPDATES,
): Promise<RepricePlan> {
  const result = await tally(store, table, query, keepUpdates)
  const groups = [...result.groups.values()]
    .map(({ oldPico, newPico, ...group }) => ({
      ...group,
      oldCost: usdFromPico(oldPico),
      newCost: usdFromPico(newPico),
    }))
    .sort(
      (a, b) =>
        compareText(a.provider, b.provider) || compareText(a.requestedModel, b.requestedModel),
    )
  const sum = (pick: (group: RepriceGroup) => number) =>
    groups.reduce((total, group) => total + pick(group), 0)
  const oldPico = groups.reduce((total, group) => total + picoFromUsd(group.oldCost), 0n)
  const newPico = groups.reduce((total, group) => total + picoFromUsd(group.newCost), 0n)
  return {
    query,
    groups,
    totals: {
      calls: sum((g) => g.calls),
      changed: result.changed,
      newlyPriced: sum((g) => g.newlyPriced),
      newlyUnpriced: sum((g) => g.newlyUnpriced),
      unpriced: sum((g) => g.unpriced),
      oldCost: usdFromPico(oldPico),
      newCost: usdFromPico(newPico),
      difference: usdFromPico(newPico - oldPico),
    },
    updates: result.updates,
  }
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0
}

async function tally(
  store: LedgerStore,
  table: PricingTable,
  query: LedgerQuery,
  keepUpdates: number,
): Promise<Tally> {
  const result: Tally = { groups: new Map(), updates: [], changed: 0 }
  for await (const page of store.iterateCalls(query, PAGE)) {
    for (const call of page) {
      const next = repriceCall(table, call)
      const key = `${call.provider}\u0000${call.requestedModel}`
      let group = result.groups.get(key)
      if (!group) {
        group = {
          provider: call.provider,
          requestedModel: call.requestedModel,
          model: next.model,
          calls: 0,
          changed: 0,
          newlyPriced: 0,
          newlyUnpriced: 0,
          unpriced: 0,
          oldCost: '0' as Usd,
          newCost: '0' as Usd,
          oldPico: 0n,
          newPico: 0n,
        }
        result.groups.set(key, group)
      }
      group.model ??= next.model
      group.calls++
      if (call.cost !== null) group.oldPico += picoFromUsd(call.cost)
      if (next.cost !== null) group.newPico += picoFromUsd(next.cost)
      else group.unpriced++
      if (call.cost === null && next.cost !== null) group.newlyPriced++
      if (call.cost !== null && next.cost === null) group.newlyUnpriced++
      if (differs(call, next)) {
        group.changed++
        result.changed++
        if (result.updates && result.updates.length < keepUpdates)
          result.updates.push({ id: call.id, ...next })
        else result.updates = null
      }
    }
  }
  return result
}

/**
 * Writes a plan: its updates in transactions of 1,000 calls, or, when the plan kept none, prices
 * the calls again page by page and writes what differs. Returns the number of calls updated.
 */
export async function applyReprice(
  store: LedgerStore,
  table: PricingTable,
  plan: RepricePlan,
): Promise<number> {
  const { query, updates: kept } = plan
  let written = 0
  if (kept) {
    for (let i = 0; i < kept.length; i += PAGE) {
      const chunk = kept.slice(i, i + PAGE)
      await store.updateCosts(chunk)
      written += chunk.length
    }
    return written
  }
  for await (const page of store.iterateCalls(query, PAGE)) {
    const updates = page.flatMap((call) => {
      const next = repriceCall(table, call)
      return differs(call, next) ? [{ id: call.id, ...next }] : []
    })
    if (updates.length > 0) await store.updateCosts(updates)
    written += updates.length
  }
  return written
}
