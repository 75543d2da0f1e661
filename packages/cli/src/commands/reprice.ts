import { Command, Option } from 'commander'
import {
  picoFromUsd,
  type PricingTable,
  type ServiceTier,
  usdFromPico,
  type Usd,
} from '@tokenledger/pricing'
import {
  type CallRecord,
  type CostUpdate,
  type LedgerQuery,
  type LedgerStore,
  openStore,
} from '@tokenledger/store'
import { tableFromOptions } from '../pricing-table-option.js'
import { formatTokens, formatUsd } from '../render/format.js'
import { printJson } from '../render/output.js'
import { renderTable } from '../render/table.js'
import { dbOption, jsonOption, pricesOption, sinceOption } from '../shared-flags.js'

interface RepriceOptions {
  db?: string
  since?: Date
  dryRun?: boolean
  json?: boolean
  prices?: string[]
}

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
const KEEP_UPDATES = 100_000

/**
 * The price a call gets from `table`, resolving its model as the meter does: the model the
 * provider says it served, else the one requested. Null fields: the call cannot be priced.
 */
export function priceCall(table: PricingTable, call: CallRecord): Omit<CostUpdate, 'id'> {
  const names =
    call.servedModel === null ? [call.requestedModel] : [call.servedModel, call.requestedModel]
  const resolved =
    names.map((name) => table.resolveModel(call.provider, name)).find((found) => found !== null) ??
    null
  if (!resolved)
    return { cost: null, costBreakdown: null, cacheSavings: null, card: null, model: null }
  const tier = pricingTier(call.serviceTier)
  const cost = table.price({
    provider: call.provider,
    model: resolved.model.id,
    at: new Date(call.timestamp),
    usage: call.usage,
    ...(tier ? { serviceTier: tier } : {}),
  })
  if (!cost)
    return {
      cost: null,
      costBreakdown: null,
      cacheSavings: null,
      card: null,
      model: resolved.model.id,
    }
  return {
    cost: cost.total,
    costBreakdown: cost.breakdown,
    cacheSavings: cost.cacheSavings,
    card: cost.card.id,
    model: resolved.model.id,
  }
}

/** As the meter does: `flex`, `priority` and `batch` select a service tier; anything else is standard. */
function pricingTier(reported: string | null): ServiceTier | undefined {
  return reported === 'flex' || reported === 'priority' || reported === 'batch'
    ? reported
    : undefined
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

/** First pass: prices every selected call again and tallies the differences; writes nothing. */
async function tally(store: LedgerStore, table: PricingTable, query: LedgerQuery): Promise<Tally> {
  const result: Tally = { groups: new Map(), updates: [], changed: 0 }
  for await (const page of store.iterateCalls(query, PAGE)) {
    for (const call of page) {
      const next = priceCall(table, call)
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
        if (result.updates && result.updates.length < KEEP_UPDATES)
          result.updates.push({ id: call.id, ...next })
        else result.updates = null
      }
    }
  }
  return result
}

/** Writes the updates, in transactions of PAGE calls; re-prices again when pass 1 kept too many. */
async function write(
  store: LedgerStore,
  table: PricingTable,
  query: LedgerQuery,
  kept: CostUpdate[] | null,
): Promise<number> {
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
      const next = priceCall(table, call)
      return differs(call, next) ? [{ id: call.id, ...next }] : []
    })
    if (updates.length > 0) await store.updateCosts(updates)
    written += updates.length
  }
  return written
}

/**
 * `tokenledger reprice`: prices the stored calls again with the current pricing table (fixes
 * wrong prices, prices calls that were unpriced), shows what changes by provider and model, then
 * writes the changes, one transaction per page of calls. `--dry-run` opens the ledger read-only
 * and writes nothing.
 */
export function repriceCommand(): Command {
  return new Command('reprice')
    .description('price the stored calls again with the current pricing table')
    .addOption(dbOption())
    .addOption(sinceOption())
    .addOption(new Option('--dry-run', 'show what would change; write nothing'))
    .addOption(jsonOption())
    .addOption(pricesOption())
    .action(async (options: RepriceOptions) => {
      const table = tableFromOptions(options)
      const query: LedgerQuery = options.since ? { since: options.since } : {}
      const dryRun = options.dryRun ?? false
      const store = await openStore(options.db, { readOnly: dryRun })
      try {
        const result = await tally(store, table, query)
        const groups = [...result.groups.values()]
          .map(({ oldPico, newPico, ...group }) => ({
            ...group,
            oldCost: usdFromPico(oldPico),
            newCost: usdFromPico(newPico),
          }))
          .sort((a, b) =>
            a.provider < b.provider
              ? -1
              : a.provider > b.provider
                ? 1
                : a.requestedModel < b.requestedModel
                  ? -1
                  : a.requestedModel > b.requestedModel
                    ? 1
                    : 0,
          )
        const sum = (pick: (group: RepriceGroup) => number) =>
          groups.reduce((total, group) => total + pick(group), 0)
        const oldPico = groups.reduce((total, group) => total + picoFromUsd(group.oldCost), 0n)
        const newPico = groups.reduce((total, group) => total + picoFromUsd(group.newCost), 0n)
        const totals = {
          calls: sum((g) => g.calls),
          changed: result.changed,
          newlyPriced: sum((g) => g.newlyPriced),
          newlyUnpriced: sum((g) => g.newlyUnpriced),
          unpriced: sum((g) => g.unpriced),
          oldCost: usdFromPico(oldPico),
          newCost: usdFromPico(newPico),
          difference: usdFromPico(newPico - oldPico),
        }
        if (!options.json) {
          process.stdout.write(`${renderSummary(groups, totals)}\n`)
          if (dryRun)
            process.stdout.write(
              `dry run: ${formatTokens(result.changed)} call(s) would change; nothing was written\n`,
            )
        }
        let written = 0
        if (!dryRun && result.changed > 0) {
          if (!options.json)
            process.stderr.write(`writing ${formatTokens(result.changed)} update(s)...\n`)
          written = await write(store, table, query, result.updates)
          if (!options.json) process.stdout.write(`updated ${formatTokens(written)} call(s)\n`)
        } else if (!dryRun && !options.json) {
          process.stdout.write('every call already has its current price; nothing to write\n')
        }
        if (options.json) {
          printJson({
            dryRun,
            since: options.since?.toISOString() ?? null,
            ...totals,
            written,
            groups,
          })
        }
      } finally {
        await store.close()
      }
    })
}

function renderSummary(
  groups: RepriceGroup[],
  totals: {
    calls: number
    changed: number
    newlyPriced: number
    newlyUnpriced: number
    unpriced: number
    oldCost: Usd
    newCost: Usd
  },
): string {
  if (groups.length === 0) return 'no calls in the ledger match'
  const rows = [...groups, { provider: 'total', requestedModel: '', model: null, ...totals }]
  return renderTable<RepriceGroup>(rows, [
    { header: 'provider', value: (row) => row.provider },
    { header: 'model', value: (row) => row.requestedModel },
    { header: 'calls', value: (row) => formatTokens(row.calls), align: 'right' },
    { header: 'changed', value: (row) => formatTokens(row.changed), align: 'right' },
    { header: 'newly priced', value: (row) => formatTokens(row.newlyPriced), align: 'right' },
    { header: 'now unpriced', value: (row) => formatTokens(row.newlyUnpriced), align: 'right' },
    { header: 'unpriced', value: (row) => formatTokens(row.unpriced), align: 'right' },
    { header: 'old total', value: (row) => formatUsd(row.oldCost), align: 'right' },
    { header: 'new total', value: (row) => formatUsd(row.newCost), align: 'right' },
  ])
}
