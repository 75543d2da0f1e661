/**
 * Which provider a call goes to. The explicit option wins; otherwise the base URL is matched
 * against the known API base URLs of the pricing table (`table.detectProvider`). Nothing is ever
 * guessed from a model name: an unknown host is recorded under its host name and left unpriced.
 */
import {
  type PricingTable,
  type ProviderInfo,
  TokenledgerError,
  type UsageStyle,
} from '@tokenledger/pricing'

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
    const known = table
      .providers()
      .map((provider) => provider.id)
      .sort()
    throw new TokenledgerError(
      'PRICING_LOOKUP',
      `${where}: unknown provider ${JSON.stringify(id)}; expected one of ${known.join(', ')} (or add it with a price override)`,
    )
  }
  return fromInfo(info)
}

/** Told once per host whose calls are unpriced because no provider of the table has its base URL. */
export type OnUnknownHost = (error: TokenledgerError) => void

/** Detects providers from base URLs, remembering each base it has seen. */
export class ProviderDetector {
  readonly #table: PricingTable
  readonly #seen = new Map<string, CallProvider>()
  readonly #onUnknown: OnUnknownHost | undefined
  readonly #toldHosts = new Set<string>()
  /** Provider id, then base URL: whether it is that provider's own API (no key built per call). */
  readonly #own = new Map<string, Map<string, boolean>>()
  #ownSize = 0

  constructor(table: PricingTable, onUnknown?: OnUnknownHost) {
    this.#table = table
    this.#onUnknown = onUnknown
  }

  /** The provider of a base URL (the request URL without its endpoint). */
  detect(base: string): CallProvider {
    let found = this.#seen.get(base)
    if (!found) {
      const info = this.#table.detectProvider(base)
      found = info ? fromInfo(info) : { id: hostOf(base), style: undefined, known: false }
      if (!found.known) this.#tell(found.id, base)
      // Bases are few (one per client); the bound only guards against pathological callers.
      if (this.#seen.size >= 256) this.#seen.clear()
      this.#seen.set(base, found)
    }
    return found
  }

  /** True when `base` is one of the API base URLs the table lists for provider `id`. Never tells. */
  isOwnApi(base: string, id: string): boolean {
    let bases = this.#own.get(id)
    let own = bases?.get(base)
    if (own === undefined) {
      own = this.#table.detectProvider(base)?.id === id
      if (this.#ownSize >= 256) {
        this.#own.clear()
        this.#ownSize = 0
        bases = undefined
      }
      if (!bases) this.#own.set(id, (bases = new Map()))
      bases.set(base, own)
      this.#ownSize++
    }
    return own
  }

  #tell(host: string, base: string): void {
    // Once per host for the detector's life: bounded like the base cache.
    if (!this.#onUnknown || this.#toldHosts.has(host) || this.#toldHosts.size >= 256) return
    this.#toldHosts.add(host)
    this.#onUnknown(unknownHostError(host, base))
  }
}

/** The notice for a host no provider has: what happens to its calls, and the two ways to fix it. */
export function unknownHostError(host: string, base: string): TokenledgerError {
  return new TokenledgerError(
    'PROVIDER_UNKNOWN',
    `${base}: no provider of the pricing table has this base URL, so calls to it are recorded with provider ${JSON.stringify(host)} and unpriced (cost null); ` +
      'name the provider with createMeter({ provider }), meter.fetch.withProvider(id) or meter.wrap(client, { provider }), ' +
      "or add the URL to a provider's apiBaseUrls in a price file (createMeter({ prices }))",
  )
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
