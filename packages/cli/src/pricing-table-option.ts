import { defaultPricingTable, loadPricingTable, type PricingTable } from '@tokenledger/pricing'

/** The pricing table for a command: bundled + $TOKENLEDGER_PRICES, plus any --prices files. */
export function tableFromOptions(options: { prices?: string[] }): PricingTable {
  return options.prices?.length
    ? loadPricingTable({ overrides: options.prices })
    : defaultPricingTable()
}
