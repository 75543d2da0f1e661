/**
 * The state one meter and all its children share: pricing, provider detection, the record
 * builder, the write queue, the tag scope, and the calls still in flight.
 */
import type { PricingTable } from '@tokenledger/pricing'
import type { Tags } from '@tokenledger/store'
import type { RecordBuilder } from './build-record.js'
import type { ProviderDetector, CallProvider } from './provider-detect.js'
import type { FetchLike } from './read-request.js'
import type { MeterErrorContext, RecordQueue } from './record-queue.js'
import type { ResponseTap } from './response-tap.js'
import type { TagScope } from './tags.js'
import type { UsageNotices } from './usage-notices.js'
import type { CallTelemetry } from './otel/call-telemetry.js'

/** Shared meter state. */
export interface MeterCore {
  readonly prices: PricingTable
  readonly detector: ProviderDetector
  readonly builder: RecordBuilder
  readonly queue: RecordQueue
  readonly scope: TagScope
  /** The fetch used when a client brings none. */
  readonly baseFetch: FetchLike
  /** Reports a failure to onError; never throws (a throwing onError is ignored). */
  readonly report: (error: unknown, context: MeterErrorContext) => void
  /** Metered bodies still being read (streams, a gateway's whole bodies): close() aborts each. */
  readonly streams: Set<{ abort(reason?: unknown): void }>
  /** Background reads of response bodies, so flush() can wait for their records. */
  readonly reads: Set<Promise<void>>
  /** Tapped JSON responses not yet delivered, with their start time (performance.now()). */
  readonly taps: Map<ResponseTap, number>
  /** Sweeps unread tapped bodies now and then (unref'd); null while there are none. */
  sweepTimer: NodeJS.Timeout | null
  closed: boolean
  /** Tells onError once per kind of call that came back without usage. */
  readonly notices: UsageNotices
  /** OpenTelemetry spans and metrics of each call; null when off or `@opentelemetry/api` is absent. */
  readonly telemetry: CallTelemetry | null
}

/** What a metered fetch adds to every call it makes. */
export interface FetchScope {
  /** The explicit provider, or undefined to detect it from the URL. */
  provider: CallProvider | undefined
  /** The meter's and the child's tags, merged. */
  tags: Readonly<Tags>
}
