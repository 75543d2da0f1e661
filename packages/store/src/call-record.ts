import type { MeteredUsage, Usd } from '@tokenledger/pricing'

/** How a call ended. `aborted`: the caller stopped reading or the connection broke mid-stream. */
export type CallStatus = 'ok' | 'error' | 'aborted'

/** Free key/value labels: user, feature, project, environment... */
export type Tags = Record<string, string>

/**
 * One row of the ledger: everything known about one LLM call. Raw token counts are always kept,
 * so a call can be re-priced when a price is corrected.
 */
export interface CallRecord {
  /** Unique id (UUID v4), made by the meter. */
  id: string
  /** When the call started, ISO 8601 UTC. */
  timestamp: string
  provider: string
  /** The model the caller asked for, as sent. */
  requestedModel: string
  /** The model the provider says served the call, when it says. */
  servedModel: string | null
  /** Canonical model id from the pricing table, when the model is known. */
  model: string | null
  /** The upstream that served a routed call (OpenRouter's top-level `provider`). */
  upstreamProvider: string | null
  /** e.g. `/chat/completions`, `/responses`. */
  endpoint: string
  stream: boolean
  status: CallStatus
  httpStatus: number | null
  errorType: string | null
  usage: MeteredUsage
  /** Computed exact cost; null when the call could not be priced (never a silent 0). */
  cost: Usd | null
  costBreakdown: { input: Usd; cacheRead: Usd; cacheWrite: Usd; output: Usd } | null
  /**
   * What the cache reads saved against the fresh-input rate (`Cost.cacheSavings` from the pricing
   * engine); null when unpriced or unknown. Optional on insert; always present when read back.
   */
  cacheSavings?: Usd | null
  /** Which card priced the call: `<provider>/<model>@<from>`, plus variant (tier, window, service tier). */
  card: string | null
  /** The provider's own figure (OpenRouter `usage.cost`), kept beside ours. */
  reportedCost: Usd | null
  latencyMs: number | null
  timeToFirstTokenMs: number | null
  requestId: string | null
  serviceTier: string | null
  tags: Tags
}
