/**
 * A plain-JS reference for `summarize` and `timeSeries`: filters and groups CallRecords in memory
 * with bigint money, written independently of the SQL (labels come from Date methods, not from
 * epoch arithmetic), so the tests compare two different computations.
 */
import { picoFromUsd, usdFromPico } from '@tokenledger/pricing'
import type { CallRecord } from '../call-record.js'
import type { GroupKey, LedgerQuery, SeriesQuery, SeriesRow, SummaryRow } from '../ledger-store.js'

/** The model a call is grouped under: canonical, else the id served, else the one requested. */
export function modelOf(record: CallRecord): string {
  return record.model ?? record.servedModel ?? record.requestedModel
}

export function matches(record: CallRecord, query: LedgerQuery): boolean {
  const ts = Date.parse(record.timestamp)
  if (query.since && ts < query.since.getTime()) return false
  if (query.until && ts >= query.until.getTime()) return false
  if (query.provider !== undefined && record.provider !== query.provider) return false
  if (query.model !== undefined && modelOf(record) !== query.model) return false
  if (query.status !== undefined && record.status !== query.status) return false
  for (const [key, value] of Object.entries(query.tags ?? {})) {
    if (record.tags[key] !== value) return false
  }
  return true
}

const pad = (n: number) => String(n).padStart(2, '0')

export function groupValue(record: CallRecord, key: GroupKey): string | null {
  const d = new Date(record.timestamp)
  const day = `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`
  switch (key) {
    case 'hour':
      return `${day}T${pad(d.getUTCHours())}:00:00.000Z`
    case 'day':
      return day
    case 'week': {
      const monday = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate()))
      monday.setUTCDate(monday.getUTCDate() - ((monday.getUTCDay() + 6) % 7))
      return monday.toISOString().slice(0, 10)
    }
    case 'month':
      return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}`
    case 'model':
      return modelOf(record)
    case 'provider':
      return record.provider
    case 'upstream':
      return record.upstreamProvider
    case 'status':
      return record.status
    default:
      return record.tags[key.slice(4)] ?? null
  }
}

interface Acc {
  group: Record<string, string | null>
  calls: number
  inputTokens: number
  cacheReadTokens: number
  cacheWriteTokens: number
  outputTokens: number
  reasoningTokens: number
  cost: bigint
  reported: bigint
  savings: bigint
  unpricedCalls: number
  errorCalls: number
  abortedCalls: number
  reportedCalls: number
  computedOfReported: bigint
  reportedOfUnpriced: bigint
  unpricedReportedCalls: number
}

export function expectedSummary(records: CallRecord[], query: LedgerQuery): SummaryRow[] {
  const keys = query.groupBy ?? []
  const groups = new Map<string, Acc>()
  const empty = (group: Record<string, string | null>): Acc => ({
    group,
    calls: 0,
    inputTokens: 0,
    cacheReadTokens: 0,
    cacheWriteTokens: 0,
    outputTokens: 0,
    reasoningTokens: 0,
    cost: 0n,
    reported: 0n,
    savings: 0n,
    unpricedCalls: 0,
    errorCalls: 0,
    abortedCalls: 0,
    reportedCalls: 0,
    computedOfReported: 0n,
    reportedOfUnpriced: 0n,
    unpricedReportedCalls: 0,
  })
  if (keys.length === 0) groups.set('[]', empty({}))
  for (const r of records.filter((record) => matches(record, query))) {
    const group = Object.fromEntries(keys.map((key) => [key, groupValue(r, key)]))
    const id = JSON.stringify(keys.map((key) => group[key]))
    const acc = groups.get(id) ?? empty(group)
    groups.set(id, acc)
    acc.calls++
    acc.inputTokens += r.usage.inputTokens
    acc.cacheReadTokens += r.usage.cacheReadTokens
    acc.cacheWriteTokens += r.usage.cacheWriteTokens
    acc.outputTokens += r.usage.outputTokens
    acc.reasoningTokens += r.usage.reasoningTokens
    if (r.cost === null) acc.unpricedCalls++
    else acc.cost += picoFromUsd(r.cost)
    if (r.cacheSavings) acc.savings += picoFromUsd(r.cacheSavings)
    if (r.status === 'error') acc.errorCalls++
    if (r.status === 'aborted') acc.abortedCalls++
    if (r.reportedCost !== null) {
      acc.reportedCalls++
      acc.reported += picoFromUsd(r.reportedCost)
      if (r.cost !== null) acc.computedOfReported += picoFromUsd(r.cost)
      else {
        acc.unpricedReportedCalls++
        acc.reportedOfUnpriced += picoFromUsd(r.reportedCost)
      }
    }
  }
  const rows = [...groups.values()].map((acc): SummaryRow => {
    const allUnpriced = acc.calls > 0 && acc.unpricedCalls === acc.calls
    const reportedOfUnpriced =
      acc.unpricedReportedCalls === 0 ? null : usdFromPico(acc.reportedOfUnpriced)
    return {
      group: acc.group,
      calls: acc.calls,
      inputTokens: acc.inputTokens,
      cacheReadTokens: acc.cacheReadTokens,
      cacheWriteTokens: acc.cacheWriteTokens,
      outputTokens: acc.outputTokens,
      reasoningTokens: acc.reasoningTokens,
      cost: allUnpriced ? null : usdFromPico(acc.cost),
      reportedCost: acc.reportedCalls === 0 ? null : usdFromPico(acc.reported),
      cacheSavings: usdFromPico(acc.savings),
      unpricedCalls: acc.unpricedCalls,
      errorCalls: acc.errorCalls,
      abortedCalls: acc.abortedCalls,
      reportedCalls: acc.reportedCalls,
      computedCostOfReported: usdFromPico(acc.computedOfReported),
      reportedCostOfUnpriced: reportedOfUnpriced,
      unpricedReportedCalls: acc.unpricedReportedCalls,
      spend:
        allUnpriced && reportedOfUnpriced === null
          ? null
          : usdFromPico(acc.cost + acc.reportedOfUnpriced),
    }
  })
  return rows.sort((a, b) => {
    for (const key of keys) {
      const x = a.group[key] ?? null
      const y = b.group[key] ?? null
      if (x === y) continue
      if (x === null) return 1
      if (y === null) return -1
      return x < y ? -1 : 1
    }
    return 0
  })
}

export function expectedSeries(records: CallRecord[], query: SeriesQuery): SeriesRow[] {
  const rows = expectedSummary(records, { ...query, groupBy: [query.bucket, query.stackBy] })
  return rows.map((row) => {
    const label = row.group[query.bucket]!
    return {
      bucket: query.bucket === 'day' ? `${label}T00:00:00.000Z` : label,
      key: row.group[query.stackBy] ?? null,
      cost: row.cost,
      calls: row.calls,
      unpricedCalls: row.unpricedCalls,
    }
  })
}

/** The canonical form a record takes when read back (see calls/record-from-row.ts). */
export function asStored(record: CallRecord): CallRecord {
  const usage = { ...record.usage }
  if (usage.cacheWrite1hTokens === 0) delete usage.cacheWrite1hTokens
  return {
    ...record,
    timestamp: new Date(record.timestamp).toISOString(),
    usage,
    cacheSavings: record.cacheSavings ?? null,
  }
}
