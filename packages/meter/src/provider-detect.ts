/**
 * Which provider a call goes to. The explicit option wins; otherwise the base URL is matched
 * against the known API base URLs of the pricing table (`table.detectProvider`). Nothing is ever
 * guessed from a model name: an unknown host is recorded under its host name and left unpriced.
 */
import { type PricingTable, type ProviderInfo, TokenledgerError, type UsageStyle } from '@tokenledger/pricing'

/** The provider of a call as the meter records it. */
export interface CallProvider {
  /** The pricing table's provider id, or the host name for an unknown provider. */
  id: string
  /** The provider's usage style; undefined for an unknown host. */
  style: UsageStyle | undefined
  /** False for an unknown host: its calls are unpriced. */
  known: boolean
}

/**
 * Checks an explicit provider id against the table.
 * @throws TokenledgerError PRICING_LOOKUP naming the option and listing the known ids.
 */
export function explicitProvider(table: PricingTable, id: string, where: string): CallProvider {
  const info = table.provider(id)
  if (!info) {
    const known = table.providers().map((provider) => provider.id).sort()
    throw new TokenledgerError(
      'PRICING_LOOKUP',
      `${where}: unknown provider ${JSON.stringify(id)}; expected one of ${known.join(', ')} (or add it with a price override)`,
    )
  }
  return fromInfo(info)
}

/** Detects providers from base URLs, remembering each base it has seen. */
export class ProviderDetector {
  readonly #table: PricingTable
  readonly #seen = new Map<string, CallProvider>()

  constructor(table: PricingTable) {
    this.#table = table
  }

  /** The provider of a base URL (the request URL without its endpoint). */
  detect(base: string): CallProvider {
    let found = this.#seen.get(base)
    if (!found) {
      const info = this.#table.detectProvider(base)
      found = info ? fromInfo(info) : { id: hostOf(base), style: undefined, known: false }
      // Bases are few (one per client); the bound only guards against pathological callers.
      if (this.#seen.size >= 256) this.#seen.clear()
      this.#seen.set(base, found)
    }
    return found
  }
}

function fromInfo(info: ProviderInfo): CallProvider {
  return { id: info.id, style: info.usageStyle, known: true }
}

function hostOf(url: string): string {
  try {
    return new URL(url).host || 'unknown'
  } catch {
    return 'unknown'
  }
}
