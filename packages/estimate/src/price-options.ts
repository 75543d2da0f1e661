/**
 * The ways a provider can run a batch at different prices: its standard price at the chosen
 * instant, its batch and flex service tiers (OpenAI Batch: 50% off), and its time windows (DeepSeek's
 * former off-peak discount, 16:30-00:30 UTC). Each option is an instant to price at plus a service
 * tier; the pricing engine then picks the card, window and tier exactly as it does for a real call.
 */
import {
  DAY_MS,
  isInWindow,
  MINUTE_MS,
  type PricingTable,
  type ServiceTier,
} from '@tokenledger/pricing'

/** One way to run the batch at a provider. */
export interface PriceOption {
  /** e.g. `standard`, `batch`, `flex`, `off-peak`, `outside off-peak`. */
  label: string
  /** The instant priced at (a window option is priced at an instant inside its window). */
  at: Date
  serviceTier: ServiceTier
}

/** Which options to list. */
export interface PriceOptionsFilter {
  /** Only the batch service tier (`--batch`); a provider without one keeps its standard price. */
  batchOnly?: boolean
}

const OPTIONAL_TIERS = ['batch', 'flex'] as const
const STEP_MS = 15 * MINUTE_MS
// Windows repeat weekly at most, so eight days of 15-minute steps find any of them.
const SEARCH_MS = 8 * DAY_MS

/**
 * The options of a (provider, model) at `at`. Always at least the standard one, even without a card
 * (it then prices to null: unknown, never zero).
 */
export function priceOptions(
  table: PricingTable,
  provider: string,
  model: string,
  at: Date,
  filter: PriceOptionsFilter = {},
): { options: PriceOption[]; notes: string[] } {
  const found = table.cardAt(provider, model, at)
  const standard: PriceOption = { label: 'standard', at, serviceTier: 'standard' }
  if (!found) return { options: [standard], notes: [] }
  const card = found.card.data
  const notes: string[] = []
  if (filter.batchOnly) {
    if (card.serviceTiers?.batch)
      return { options: [{ label: 'batch', at, serviceTier: 'batch' }], notes }
    notes.push('no batch tier: standard price shown')
    return { options: [standard], notes }
  }
  const options: PriceOption[] = []
  const windows = card.windows ?? []
  const inside = windows.find((window) => isInWindow(window, at))
  if (inside) {
    options.push({ label: inside.name, at, serviceTier: 'standard' })
    const outside = findInstant(
      at,
      (instant) => !windows.some((window) => isInWindow(window, instant)),
    )
    if (outside)
      options.push({ label: `outside ${inside.name}`, at: outside, serviceTier: 'standard' })
  } else {
    options.push(standard)
  }
  for (const window of windows) {
    if (window === inside) continue
    const instant = findInstant(at, (candidate) => isInWindow(window, candidate))
    if (instant) options.push({ label: window.name, at: instant, serviceTier: 'standard' })
  }
  for (const tier of OPTIONAL_TIERS) {
    if (card.serviceTiers?.[tier]) options.push({ label: tier, at, serviceTier: tier })
  }
  return { options, notes }
}

/** The first 15-minute step from `from` (within eight days) that satisfies `test`. */
function findInstant(from: Date, test: (instant: Date) => boolean): Date | null {
  // Start on the next quarter hour, so a window opening at :30 is hit exactly.
  const start = Math.ceil(from.getTime() / STEP_MS) * STEP_MS
  for (let time = start; time <= from.getTime() + SEARCH_MS; time += STEP_MS) {
    const instant = new Date(time)
    if (test(instant)) return instant
  }
  return null
}
