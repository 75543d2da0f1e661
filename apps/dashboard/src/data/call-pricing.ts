/**
 * What the pricing table says about one stored call today: the provider's and model's names, and
 * the call priced again with the current table. When that differs from the stored cost, a price
 * was corrected since the call was recorded (`tokenledger reprice` updates the ledger).
 */
import {
  SERVICE_TIERS,
  type PricingTable,
  type Rates,
  type ServiceTier,
  type Usd,
} from '@tokenledger/pricing'
import type { CallRecord } from '@tokenledger/store'

/** The table's view of a call. */
export interface CallPricing {
  providerName: string | null
  modelName: string | null
  /** The call priced with today's table, or null when it cannot be priced. */
  current: {
    total: Usd
    card: string
    rates: Rates
    source: string
    checked: string
    notes: string[]
  } | null
  /** True when today's figure differs from the stored one (including priced now vs unpriced then). */
  differs: boolean
}

/** Prices a stored call again with `table`. Never throws: a call the table rejects is just unpriced. */
export function callPricing(table: PricingTable, call: CallRecord): CallPricing {
  const resolved = table.resolveModel(call.provider, call.requestedModel)
  const tier = SERVICE_TIERS.find((t) => t === call.serviceTier) as ServiceTier | undefined
  let current: CallPricing['current'] = null
  try {
    const cost = table.price({
      provider: call.provider,
      model: call.requestedModel,
      at: new Date(call.timestamp),
      usage: call.usage,
      ...(tier ? { serviceTier: tier } : {}),
    })
    if (cost)
      current = {
        total: cost.total,
        card: cost.card.id,
        rates: cost.rates,
        source: cost.card.source,
        checked: cost.card.checked,
        notes: cost.notes,
      }
  } catch {
    current = null
  }
  return {
    providerName: table.provider(call.provider)?.name ?? null,
    modelName: resolved?.model.name ?? null,
    current,
    differs: (current?.total ?? null) !== call.cost,
  }
}
