/** Hand-made call records for tests: one plain call, changed field by field. */
import type { MeteredUsage } from '@tokenledger/pricing'
import type { CallRecord } from '../call-record.js'

/** A usage with every field reported (output includes `reasoning`). */
export function reportedUsage(
  input: number,
  cacheRead: number,
  output: number,
  reasoning = 0,
): MeteredUsage {
  return {
    inputTokens: input,
    cacheReadTokens: cacheRead,
    cacheWriteTokens: 0,
    outputTokens: output,
    reasoningTokens: reasoning,
    provenance: {
      inputTokens: 'reported',
      cacheReadTokens: 'reported',
      cacheWriteTokens: 'reported',
      outputTokens: 'reported',
      reasoningTokens: 'reported',
    },
  }
}

/** An unpriced ok call to DeepSeek V4 Flash on 2026-05-01, with `fields` on top. */
export function callRecord(id: string, fields: Partial<CallRecord> = {}): CallRecord {
  return {
    id,
    timestamp: '2026-05-01T00:00:00.000Z',
    provider: 'deepseek',
    requestedModel: 'deepseek-v4-flash',
    servedModel: null,
    model: 'deepseek-v4-flash',
    upstreamProvider: null,
    endpoint: '/chat/completions',
    stream: false,
    status: 'ok',
    httpStatus: 200,
    errorType: null,
    usage: reportedUsage(0, 0, 0),
    cost: null,
    costBreakdown: null,
    cacheSavings: null,
    card: null,
    reportedCost: null,
    latencyMs: 1000,
    timeToFirstTokenMs: null,
    requestId: null,
    serviceTier: null,
    tags: {},
    ...fields,
  }
}
