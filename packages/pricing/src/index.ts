/**
 * @module @tokenledger/pricing: the pricing table (bundled `pricing/*.json` plus overrides), rate-card
 * lookup and exact cost math.
 */
export {
  bundledCatalogLayers,
  defaultLayerDir,
  defaultPricingTable,
  loadPricingTable,
  readCatalogLayers,
} from './load-table.js'
export { tableStats } from './table-stats.js'
export type { TableStats } from './table-stats.js'
export type { LoadPricingOptions } from './load-table.js'
export { PricingTable } from './pricing-table.js'
export type { PriceRequest, ProviderInfo, ProviderOrigin, ResolvedModel } from './pricing-table.js'
export { computeCost } from './compute-cost.js'
export type { Cost, CostBreakdown, RateFallback } from './compute-cost.js'
export type { CardRef } from './rate-card.js'
export { effectiveRates, multiplyRates } from './card-variant.js'
export type { RequestContext } from './card-variant.js'
export { isInWindow, localClock } from './time-window.js'
export { explainPrice } from './explain.js'
export type { Explanation } from './explain.js'
export { validateProvider } from './validate-provider.js'
export { formatPath } from './format-issues.js'
export {
  cardSchema,
  modelSchema,
  overrideSchema,
  providerSchema,
  ratesSchema,
  SERVICE_TIERS,
  USAGE_STYLES,
  WEEKDAYS,
} from './schema.js'
export type {
  ModelData,
  ProviderData,
  RateCardData,
  Rates,
  ServiceTier,
  Tier,
  TimeWindow,
  UsageStyle,
  Weekday,
} from './schema.js'
export { checkUsage, emptyUsage, USAGE_FIELDS } from './usage.js'
export type { MeteredUsage, Provenance, Usage, UsageField, UsageProvenance } from './usage.js'
export {
  formatScaled,
  isDecimalString,
  parseScaled,
  PICO_DECIMALS,
  picoFromReported,
  picoFromUsd,
  RATE_DECIMALS,
  roundUsd,
  sumUsd,
  usdFromPico,
} from './money.js'
export type { Usd } from './money.js'
export { ERROR_CODES, isTokenledgerError, TokenledgerError } from './errors.js'
export { DAY_MS, HOUR_MS, MINUTE_MS } from './time-units.js'
export type { ErrorCode } from './errors.js'
export {
  carryHistory,
  CHECKED_RATES,
  checkAgainstCatalogs,
  diffLayers,
  priceShape,
  samePrice,
  CATALOG_PROVIDERS,
  importGenaiPrices,
  importLitellm,
  importOpenrouter,
  knownModels,
  parseCatalogLayer,
  renderCatalogLayer,
  renderImportReport,
  scaleDecimal,
} from './catalog/index.js'
export type {
  CatalogCheck,
  CheckedCatalog,
  LayerChange,
  PriceShape,
  RateDisagreement,
  CatalogImport,
  CatalogLayer,
  CatalogProvider,
  CatalogSnapshot,
  ImportIssue,
  KnownModels,
} from './catalog/index.js'
export { CATALOG_NAMES } from './schema.js'
export type { CatalogName } from './schema.js'
export { readInstant } from './instant.js'
export type { InstantOptions, InstantResult } from './instant.js'
export { priceCall, pricingTier, resolveCallModel } from './price-call.js'
export type { CallPrice, CallToPrice } from './price-call.js'
