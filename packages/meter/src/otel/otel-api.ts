/**
 * The small part of `@opentelemetry/api` the meter uses, declared here (the package is an optional
 * peer dependency: the meter neither imports its types nor needs it installed), and its loader.
 */
import { createRequire } from 'node:module'
import type { GenAiAttributes } from './gen-ai-attributes.js'

/** An OpenTelemetry context, passed through untouched. */
export type OtelContext = unknown

/** The span methods the meter calls. */
export interface SpanLike {
  setStatus(status: { code: number; message?: string }): unknown
  end(endTime?: number): void
}

/** The tracer the meter starts call spans with. */
export interface TracerLike {
  startSpan(
    name: string,
    options: { kind: number; startTime: number; attributes: GenAiAttributes },
    context?: OtelContext,
  ): SpanLike
}

/** The instruments the meter records with. */
export interface HistogramLike {
  record(value: number, attributes?: GenAiAttributes): void
}
export interface CounterLike {
  add(value: number, attributes?: GenAiAttributes): void
}
export interface MeterLike {
  createHistogram(
    name: string,
    options: {
      unit: string
      description: string
      advice?: { explicitBucketBoundaries?: number[] }
    },
  ): HistogramLike
  createCounter(name: string, options: { unit: string; description: string }): CounterLike
}

/** A TracerProvider / MeterProvider, as the OpenTelemetry SDK builds them. */
export interface TracerProviderLike {
  getTracer(name: string, version?: string): TracerLike
  /** The API's global provider (a proxy): the registered SDK's tracer, undefined while none is. */
  getDelegateTracer?(name: string): unknown
}
export interface MeterProviderLike {
  getMeter(name: string, version?: string): MeterLike
}

/** The API module's members the meter uses. */
export interface OtelApi {
  trace: { getTracerProvider(): TracerProviderLike }
  metrics: { getMeterProvider(): MeterProviderLike }
  context: { active(): OtelContext }
  /** The API's no-op meter (what the global MeterProvider gives while no SDK is registered). */
  createNoopMeter?(): unknown
}

/**
 * Loads `@opentelemetry/api` synchronously if it can be resolved from here, else null. Nothing is
 * loaded, and nothing costs, when it is absent. The API keeps its registered providers on a global,
 * so this copy sees what the application registered through its own import.
 */
export function loadOtelApi(moduleName = '@opentelemetry/api'): OtelApi | null {
  try {
    const api = createRequire(import.meta.url)(moduleName) as Partial<OtelApi>
    return api.trace && api.metrics && api.context ? (api as OtelApi) : null
  } catch {
    return null
  }
}
