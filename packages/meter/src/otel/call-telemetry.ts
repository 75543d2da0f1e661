/**
 * OpenTelemetry for metered calls: each finished call becomes a CLIENT span named and attributed
 * as the GenAI semantic conventions say (child of the span active when the call was made), and is
 * counted in the conventions' metrics plus tokenledger's cost counter:
 * - `gen_ai.client.token.usage` (histogram, `{token}`, by `gen_ai.token.type` input / output);
 * - `gen_ai.client.operation.duration` (histogram, seconds);
 * - `tokenledger.client.cost` (counter, USD, priced calls only).
 * Spans and metrics are made when the record is built, with the next batch, off the caller's path;
 * the span keeps the call's real start and end times. The meter and the proxy share this module.
 *
 * The cost counter is a floating-point sum, as every OpenTelemetry counter is: good for charts,
 * not for invoices. The exact figure is the span's `tokenledger.cost.usd` and the ledger.
 */
import type { CallRecord } from '@tokenledger/store'
import { metricAttributes, spanAttributes, spanName } from './gen-ai-attributes.js'
import {
  type CounterLike,
  type HistogramLike,
  loadOtelApi,
  type MeterProviderLike,
  type OtelContext,
  type TracerLike,
  type TracerProviderLike,
} from './otel-api.js'

/** Options of `createCallTelemetry`. */
export interface CallTelemetryOptions {
  /** @default the globally registered TracerProvider */
  tracerProvider?: TracerProviderLike
  /** @default the globally registered MeterProvider */
  meterProvider?: MeterProviderLike
}

/** Spans and metrics of finished calls. */
export interface CallTelemetry {
  /** The context active now: capture it when the call starts, so its span gets the right parent. */
  activeContext(): OtelContext
  /**
   * Emits the span and metrics of a finished call. `parent` is the context captured at its start
   * (default: none, a root span); `details` what the ledger record does not hold.
   */
  record(record: CallRecord, parent?: OtelContext, details?: CallDetails): void
}

/** What a span says that the ledger record does not hold. */
export interface CallDetails {
  /** The provider's completion id (`chatcmpl-...`, `msg_...`): `gen_ai.response.id`. */
  responseId?: string | null
  /** The URL called: `server.address` and `server.port`. */
  url?: string
}

const SCOPE = '@tokenledger/meter'
const SPAN_KIND_CLIENT = 2
const STATUS_ERROR = 2
/** The conventions' advised buckets for token counts and for durations in seconds. */
const TOKEN_BUCKETS = [
  1, 4, 16, 64, 256, 1024, 4096, 16384, 65536, 262144, 1048576, 4194304, 16777216, 67108864,
]
const DURATION_BUCKETS = [
  0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56, 5.12, 10.24, 20.48, 40.96, 81.92,
]

/**
 * Telemetry for metered calls, or null when `@opentelemetry/api` is not installed.
 * @example
 * const telemetry = createCallTelemetry()
 * const parent = telemetry?.activeContext() // when the call starts
 * telemetry?.record(record, parent)        // when its record is built
 */
export function createCallTelemetry(
  options: CallTelemetryOptions = {},
  loadApi = loadOtelApi,
): CallTelemetry | null {
  const api = loadApi()
  if (!api) return null
  const tracerProvider = options.tracerProvider ?? api.trace.getTracerProvider()
  const tracer: TracerLike = tracerProvider.getTracer(SCOPE)
  // With no SDK registered, spans and metrics are no-ops: their attributes are not built. The
  // global tracer provider is a proxy that an SDK may join later, so it is asked on every record;
  // the global meter provider is read once, here (an SDK registered later is not seen either way).
  const tracing = (): boolean =>
    tracerProvider.getDelegateTracer === undefined ||
    tracerProvider.getDelegateTracer(SCOPE) !== undefined
  const meter = (options.meterProvider ?? api.metrics.getMeterProvider()).getMeter(SCOPE)
  const noopMeter = api.createNoopMeter?.() as object | undefined
  const metering = noopMeter === undefined || meter.constructor !== noopMeter.constructor
  const tokens: HistogramLike = meter.createHistogram('gen_ai.client.token.usage', {
    unit: '{token}',
    description: 'Number of input and output tokens used',
    advice: { explicitBucketBoundaries: TOKEN_BUCKETS },
  })
  const duration: HistogramLike = meter.createHistogram('gen_ai.client.operation.duration', {
    unit: 's',
    description: 'GenAI operation duration',
    advice: { explicitBucketBoundaries: DURATION_BUCKETS },
  })
  const cost: CounterLike = meter.createCounter('tokenledger.client.cost', {
    unit: 'USD',
    description:
      'Cost of priced GenAI calls as tokenledger computed it (a float sum; the ledger is exact)',
  })
  return {
    activeContext: () => api.context.active(),
    record(record, parent, details = {}) {
      const spans = tracing()
      if (!spans && !metering) return
      const server = details.url === undefined ? null : serverOf(details.url)
      if (spans) {
        const start = Date.parse(record.timestamp)
        const attributes = { ...spanAttributes(record, details.responseId ?? null), ...server }
        const span = tracer.startSpan(
          spanName(record),
          { kind: SPAN_KIND_CLIENT, startTime: start, attributes },
          parent,
        )
        if (record.status !== 'ok')
          span.setStatus({ code: STATUS_ERROR, message: record.errorType ?? record.status })
        span.end(start + (record.latencyMs ?? 0))
      }
      if (!metering) return

      const metric = { ...metricAttributes(record), ...server }
      if (record.latencyMs !== null) duration.record(record.latencyMs / 1000, metric)
      // Failed calls were not billed: their zero counts would only skew the token histogram.
      if (record.status !== 'error') {
        if (record.usage.provenance.inputTokens !== 'missing') {
          tokens.record(record.usage.inputTokens, { ...metric, 'gen_ai.token.type': 'input' })
        }
        if (record.usage.provenance.outputTokens !== 'missing') {
          tokens.record(record.usage.outputTokens, { ...metric, 'gen_ai.token.type': 'output' })
        }
      }
      if (record.cost !== null) cost.add(Number(record.cost), metric)
    },
  }
}

/** `server.address` and `server.port` of a URL (the port implied by the scheme when absent). */
function serverOf(url: string): { 'server.address': string; 'server.port': number } | null {
  try {
    const parsed = new URL(url)
    const port = parsed.port ? Number(parsed.port) : parsed.protocol === 'http:' ? 80 : 443
    return { 'server.address': parsed.hostname, 'server.port': port }
  } catch {
    return null
  }
}
