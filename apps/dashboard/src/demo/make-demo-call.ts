/**
 * One synthetic call record: usage drawn from the feature's token profile, priced with the real
 * pricing table exactly as the meter would price it, plus the provider's own figure where the
 * provider reports one.
 */
import {
  picoFromReported,
  picoFromUsd,
  roundUsd,
  usdFromPico,
  type PricingTable,
  type Provenance,
  type UsageProvenance,
} from '@tokenledger/pricing'
import type { CallRecord, CallStatus } from '@tokenledger/store'
import type { SeededRandom } from '@tokenledger/store/testing'
import { ERRORS, type Feature, type Route } from './traffic.js'

const MAX_INPUT = 900_000
const MAX_OUTPUT = 60_000

function provenance(all: Provenance, overrides: Partial<UsageProvenance> = {}): UsageProvenance {
  return {
    inputTokens: all,
    cacheReadTokens: all,
    cacheWriteTokens: all,
    outputTokens: all,
    reasoningTokens: all,
    ...overrides,
  }
}

function requestId(rng: SeededRandom, provider: string): string {
  switch (provider) {
    case 'openai':
      return `req_${rng.hex(32)}`
    case 'anthropic':
      return `req_011C${rng.hex(20)}`
    case 'openrouter':
      return `gen-${1760000000 + rng.int(0, 9_999_999)}-${rng.hex(20)}`
    default:
      return rng.uuid()
  }
}

/**
 * Makes one call record.
 * @param id the record's id (the generator decides, so a run is reproducible)
 * @param at when the call started
 */
export function makeDemoCall(
  rng: SeededRandom,
  table: PricingTable,
  id: string,
  at: Date,
  route: Route,
  feature: Feature,
  env: string,
): CallRecord {
  const batch =
    route.batchShare !== undefined && feature.name === 'summarize' && rng.chance(route.batchShare)
  const stream = !batch && rng.chance(feature.stream)
  let status: CallStatus = 'ok'
  if (rng.chance(route.errorRate)) status = 'error'
  else if (stream && rng.chance(0.012)) status = 'aborted'

  let input = Math.min(
    MAX_INPUT,
    Math.max(12, Math.round(rng.logNormal(feature.input[0], feature.input[1]))),
  )
  let cacheRead = rng.chance(route.cacheRead)
    ? Math.floor(input * rng.between(feature.cacheShare[0], feature.cacheShare[1]))
    : 0
  let cacheWrite =
    route.cacheWrites && cacheRead < input / 2 && rng.chance(0.5)
      ? Math.floor((input - cacheRead) * rng.between(0.3, 0.9))
      : 0
  const visible = Math.min(
    MAX_OUTPUT,
    Math.max(1, Math.round(rng.logNormal(feature.output[0], feature.output[1]))),
  )
  let reasoning = rng.chance(route.reasoning) ? Math.round(visible * rng.between(0.4, 2.5)) : 0
  let output = visible + reasoning
  let usageProvenance = provenance('reported')
  let httpStatus: number | null = 200
  let errorType: string | null = null

  if (status === 'error') {
    const error = rng.weighted(ERRORS, (e) => e.weight)
    httpStatus = error.httpStatus
    errorType = error.errorType
    // A failed request is not billed: zero tokens, derived from the failure rather than reported.
    input = cacheRead = cacheWrite = output = reasoning = 0
    usageProvenance = provenance('derived')
  } else if (status === 'aborted') {
    // The usage chunk never came: input and output are estimated from the text, the rest is unknown.
    output = Math.max(1, Math.floor(output * rng.between(0.1, 0.7)))
    cacheRead = cacheWrite = reasoning = 0
    usageProvenance = provenance('missing', { inputTokens: 'estimated', outputTokens: 'estimated' })
    httpStatus = 200
  }

  const usage = {
    inputTokens: input,
    cacheReadTokens: cacheRead,
    cacheWriteTokens: cacheWrite,
    outputTokens: output,
    reasoningTokens: reasoning,
  }
  const cost = table.price({
    provider: route.provider,
    model: route.requestedModel,
    at,
    usage,
    ...(batch ? { serviceTier: 'batch' as const } : {}),
  })
  const resolved = table.resolveModel(route.provider, route.requestedModel)

  let reportedCost: string | null = null
  if (route.reports && status !== 'error') {
    if (route.reports.style === 'tokenhub' && cost !== null) {
      // TokenHub bills to the micro-dollar: its figure is ours rounded to 6 places.
      reportedCost = roundUsd(cost.total, 6)
    } else if (route.reports.style === 'openrouter') {
      // OpenRouter's `usage.cost` is a JSON number; with a cache-read discount our table does not know.
      const inputRate = route.reports.input ?? 0.14
      const outputRate = route.reports.output ?? 0.28
      const usd =
        ((input - cacheRead) * inputRate + cacheRead * inputRate * 0.2 + output * outputRate) / 1e6
      const pico = picoFromReported(usd)
      reportedCost = pico === null ? null : usdFromPico(pico)
    }
  }

  const ttft =
    stream && status !== 'error'
      ? Math.round(route.ttftMs * rng.between(0.6, 1.8) + reasoning * route.msPerToken * 0.3)
      : null
  const latency =
    status === 'error'
      ? rng.int(40, 2500)
      : Math.round((ttft ?? route.ttftMs) + output * route.msPerToken * rng.between(0.8, 1.3))

  return {
    id,
    timestamp: at.toISOString(),
    provider: route.provider,
    requestedModel: route.requestedModel,
    servedModel: status === 'error' ? null : route.servedModel,
    model: resolved?.model.id ?? null,
    upstreamProvider:
      route.upstreams && status !== 'error'
        ? rng.weighted(route.upstreams, (u) => u.weight).name
        : null,
    endpoint: route.endpoint,
    stream,
    status,
    httpStatus,
    errorType,
    usage: { ...usage, provenance: usageProvenance },
    cost: cost?.total ?? null,
    costBreakdown: cost ? { ...cost.breakdown } : null,
    cacheSavings: cost?.cacheSavings ?? null,
    card: cost?.card.id ?? null,
    reportedCost: reportedCost === null ? null : usdFromPico(picoFromUsd(reportedCost)),
    latencyMs: latency,
    timeToFirstTokenMs: ttft,
    requestId: status === 'error' && rng.chance(0.3) ? null : requestId(rng, route.provider),
    serviceTier: batch ? 'batch' : null,
    tags: { feature: feature.name, team: feature.team, env },
  }
}
