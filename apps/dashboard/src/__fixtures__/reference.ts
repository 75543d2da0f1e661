/**
 * The dashboard's figures computed straight from the records in the test, with bigint money: what
 * every endpoint must equal exactly.
 */
import { picoFromUsd, usdFromPico } from '@tokenledger/pricing'
import type { CallRecord } from '@tokenledger/store'
import { createRecordFactory } from '@tokenledger/store/testing'

/** The clock of the tests: 30d then covers 2026-04-13 .. 2026-05-12 (UTC days). */
export const NOW = new Date('2026-05-12T12:00:00.000Z')

export const HOSTILE_MODEL = '<img src=x onerror="window.__pwned=1">'
export const HOSTILE_REQUESTED = '</script><script>window.__pwned=1</script>'
export const HOSTILE_TAG = '<b onmouseover=alert(1)>x</b>'

/** A realistic test ledger: 600 factory calls over about ten days, plus hostile names. */
export function testRecords(): CallRecord[] {
  const factory = createRecordFactory({
    seed: 11,
    start: '2026-05-01T00:00:00.000Z',
    stepMs: 25 * 60_000,
  })
  const records = factory.batch(600)
  const hostile = createRecordFactory({
    seed: 12,
    start: '2026-05-11T08:00:00.000Z',
    stepMs: 600_000,
  }).batch(3, {
    provider: 'deepseek',
    requestedModel: HOSTILE_REQUESTED,
    model: HOSTILE_MODEL,
    status: 'ok',
  })
  for (const record of hostile) record.tags = { ...record.tags, feature: HOSTILE_TAG }
  return [...records, ...hostile]
}

/** The model a call is grouped under: canonical, else the id served, else the one requested. */
export function modelOf(r: CallRecord): string {
  return r.model ?? r.servedModel ?? r.requestedModel
}

/** Sums over records, the way the overview reports them. */
export function expectedTotals(records: readonly CallRecord[]) {
  let cost = 0n
  let savings = 0n
  const tokens = { input: 0, cacheRead: 0, cacheWrite: 0, output: 0, reasoning: 0 }
  let unpriced = 0
  let errors = 0
  let aborted = 0
  let reportedOfUnpriced = 0n
  let unpricedReported = 0
  for (const r of records) {
    if (r.cost === null) unpriced++
    else cost += picoFromUsd(r.cost)
    if (r.cost === null && r.reportedCost !== null) {
      unpricedReported++
      reportedOfUnpriced += picoFromUsd(r.reportedCost)
    }
    if (r.cacheSavings) savings += picoFromUsd(r.cacheSavings)
    tokens.input += r.usage.inputTokens
    tokens.cacheRead += r.usage.cacheReadTokens
    tokens.cacheWrite += r.usage.cacheWriteTokens
    tokens.output += r.usage.outputTokens
    tokens.reasoning += r.usage.reasoningTokens
    if (r.status === 'error') errors++
    if (r.status === 'aborted') aborted++
  }
  const allUnpriced = records.length > 0 && unpriced === records.length
  return {
    calls: records.length,
    // No priced call: unknown, never $0.
    cost: allUnpriced ? null : usdFromPico(cost),
    reportedCostOfUnpriced: unpricedReported === 0 ? null : usdFromPico(reportedOfUnpriced),
    unpricedReportedCalls: unpricedReported,
    spend: allUnpriced && unpricedReported === 0 ? null : usdFromPico(cost + reportedOfUnpriced),
    cacheSavings: usdFromPico(savings),
    tokens: { ...tokens, freshInput: tokens.input - tokens.cacheRead - tokens.cacheWrite },
    unpricedCalls: unpriced,
    pricedCalls: records.length - unpriced,
    errorCalls: errors,
    abortedCalls: aborted,
  }
}

/** Cost per (bucket start, key) from records. */
export function expectedSeries(
  records: readonly CallRecord[],
  bucket: 'hour' | 'day',
  key: 'model' | 'provider',
): Map<string, bigint> {
  const step = bucket === 'hour' ? 3_600_000 : 86_400_000
  const cells = new Map<string, bigint>()
  for (const r of records) {
    const start = new Date(Math.floor(Date.parse(r.timestamp) / step) * step).toISOString()
    const cell = `${start} ${key === 'model' ? modelOf(r) : r.provider}`
    cells.set(cell, (cells.get(cell) ?? 0n) + (r.cost === null ? 0n : picoFromUsd(r.cost)))
  }
  return cells
}

/** Records grouped by a key function. */
export function groupBy<K>(
  records: readonly CallRecord[],
  key: (r: CallRecord) => K,
): Map<K, CallRecord[]> {
  const groups = new Map<K, CallRecord[]>()
  for (const r of records) {
    const k = key(r)
    const list = groups.get(k) ?? []
    list.push(r)
    groups.set(k, list)
  }
  return groups
}
