/**
 * What the pricing table says about one stored call today: the provider's and model's names, and
 * the call priced again with the current table. When that differs from the stored cost, a price
 * was corrected since the call was recorded (`tokenledger reprice` updates the ledger).
 */
import {
  priceCall,
  type PricingTable,
  type Rates,
  type ResolvedModel,
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

/**
 * Prices a stored call again with `table`, by the one rule the meter records with (`priceCall`:
 * the served model first, then the requested one). Never throws: a call the table rejects is just
 * unpriced.
 */
export function callPricing(table: PricingTable, call: CallRecord): CallPricing {
  let resolved: ResolvedModel | null = null
  let current: CallPricing['current'] = null
  try {
    const priced = priceCall(table, {
      provider: call.provider,
      requestedModel: call.requestedModel,
      servedModel: call.servedModel,
      at: new Date(call.timestamp),
      usage: call.usage,
      serviceTier: call.serviceTier,
    })
    resolved = priced.resolved
    const cost = priced.cost
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
