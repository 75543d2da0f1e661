/**
 * A fixed pricing table for end-to-end tests whose subject is metering, not prices: the curated
 * cards of DeepSeek, OpenRouter, TokenHub, OpenAI, Anthropic and Google as the bundled table held
 * them in May 2026 (`test/fixtures/prices-2026-05.json`, taken from `pricing/*.json` at that time,
 * sources and dates included). The bundled table gains cards as prices change (DeepSeek bills by
 * time of day since August 2026), so figures computed by hand against it would move with new cards
 * and with the hour a test runs; against this table they do not.
 */
import { fileURLToPath } from 'node:url'
import { loadPricingTable, type PricingTable } from '@tokenledger/pricing'

export const FIXED_PRICES_FILE = fileURLToPath(
  new URL('../fixtures/prices-2026-05.json', import.meta.url),
)

/** The fixed table, with `overrides` (e.g. local base URLs for bundled providers) merged over it. */
export function fixedPricingTable(overrides: readonly string[] = []): PricingTable {
  return loadPricingTable({
    bundled: false,
    catalogs: false,
    layers: [],
    overrides: [FIXED_PRICES_FILE, ...overrides],
    env: {},
  })
}
