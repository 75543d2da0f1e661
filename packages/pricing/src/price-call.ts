/**
 * The one rule for pricing a call: used by the meter when it records a call, by
 * `tokenledger reprice` when it prices stored calls again, and by the dashboard when it compares a
 * stored cost with today's table. Before, each had its own copy and they disagreed (the dashboard
 * resolved only the requested model, so a routed call, requested `openrouter/auto` and served
 * `deepseek/deepseek-v4-flash`, looked stale).
 */
import type { Cost } from './compute-cost.js'
import type { PricingTable, ResolvedModel } from './pricing-table.js'
import type { ServiceTier } from './schema.js'
import type { Usage } from './usage.js'

/** What a call's price depends on (a subset of the ledger's call record, so any layer can build it). */
export interface CallToPrice {
  provider: string
  requestedModel: string
  /** The model the provider says it ran; null when it did not say. */
  servedModel: string | null
  /** When the call started: the card in force then prices it. */
  at: Date
  usage: Usage
  /** The service tier the provider reported (`flex`, `priority`, `batch`; anything else is standard). */
  serviceTier: string | null
}

/** A call priced: its model as the table knows it, and its cost. */
export interface CallPrice {
  /** Null: the table knows neither the served nor the requested model at this provider. */
  resolved: ResolvedModel | null
  /** Null: no card prices the call (unknown model, no card in force, no rate for its tier). */
  cost: Cost | null
}

/** `flex`, `priority` and `batch` select a service tier; `default`, `standard`, unknown values do not. */
export function pricingTier(reported: string | null): ServiceTier | undefined {
  return reported === 'flex' || reported === 'priority' || reported === 'batch'
    ? reported
    : undefined
}

/**
 * The model of a call as the table knows it: the one the provider says it served, else the one
 * requested (see `priceCall`); null when the table knows neither at this provider.
 */
export function resolveCallModel(
  table: PricingTable,
  call: Pick<CallToPrice, 'provider' | 'requestedModel' | 'servedModel'>,
): ResolvedModel | null {
  return (
    (call.servedModel ? table.resolveModel(call.provider, call.servedModel) : null) ??
    (call.requestedModel ? table.resolveModel(call.provider, call.requestedModel) : null)
  )
}

/**
 * Prices a call. The model is the one the provider says it served, else the one requested: the
 * served id is what ran (a router's pick), the requested one covers dated snapshots the table does
 * not list (`gpt-4o-2024-08-06` served for `gpt-4o`).
 * @throws TokenledgerError USAGE_INVALID when the usage breaks the subset rules
 * @example
 * priceCall(table, { provider: 'openrouter', requestedModel: 'openrouter/auto',
 *   servedModel: 'deepseek/deepseek-v4-flash', at: new Date('2026-05-01T00:00:00Z'),
 *   usage, serviceTier: null }).cost?.total // priced as OpenRouter's DeepSeek V4 Flash
 */
export function priceCall(table: PricingTable, call: CallToPrice): CallPrice {
  const resolved = resolveCallModel(table, call)
  if (!resolved) return { resolved: null, cost: null }
  const tier = pricingTier(call.serviceTier)
  const cost = table.price({
    provider: call.provider,
    model: resolved.model.id,
    at: call.at,
    usage: call.usage,
    ...(tier ? { serviceTier: tier } : {}),
  })
  return { resolved, cost }
}
