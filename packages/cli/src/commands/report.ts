import { Command, InvalidArgumentError, Option } from 'commander'
import { defaultPricingTable, TokenledgerError, type Usd } from '@tokenledger/pricing'
import {
  type GroupKey,
  isGroupKey,
  type LedgerQuery,
  type LedgerStore,
  openStore,
  PLAIN_GROUP_KEYS,
  type SummaryRow,
} from '@tokenledger/store'
import { closestNames } from '../closest-names.js'
import { formatTokens, formatUsd } from '../render/format.js'
import { printRows } from '../render/output.js'
import type { Column } from '../render/table.js'
import { groupLabel, type ReportRow, reportRows, totalRow } from '../report/report-rows.js'
import { spendLines } from '../report/spend-lines.js'
import {
  csvOption,
  dbOption,
  jsonOption,
  outputFormat,
  sinceOption,
  untilOption,
} from '../shared-flags.js'

interface ReportOptions {
  db?: string
  by?: GroupKey[]
  since?: Date
  until?: Date
  provider?: string
  model?: string
  tag?: Record<string, string>
  json?: boolean
  csv?: boolean
}

const KEYS_HELP = `${PLAIN_GROUP_KEYS.join(' | ')} | tag:KEY`
const KEYS_LIST = `${PLAIN_GROUP_KEYS.join(', ')} or tag:KEY`

/** `--by KEY` or `--by OUTER,INNER`; given once (a second --by used to replace the first silently). */
function parseGroupKeys(value: string, previous: GroupKey[] | undefined): GroupKey[] {
  if (previous !== undefined) {
    throw new InvalidArgumentError(
      `--by: given twice (${previous.join(',')} and ${value}); to group by two keys write --by ${previous.join(',')},${value}`,
    )
  }
  const keys = value.split(',')
  if (keys.length > 2) {
    throw new InvalidArgumentError(`--by: at most two keys (OUTER,INNER), got "${value}"`)
  }
  for (const key of keys) {
    if (!isGroupKey(key))
      throw new InvalidArgumentError(`--by: expected one of ${KEYS_LIST}, got "${key}"`)
  }
  if (keys.length === 2 && keys[0] === keys[1]) {
    throw new InvalidArgumentError(`--by: ${keys[0]} is listed twice in "${value}"`)
  }
  return keys as GroupKey[]
}

/** `--tag KEY=VALUE`, repeatable: every tag must match. */
function parseTag(value: string, previous: Record<string, string> | undefined) {
  const at = value.indexOf('=')
  if (at <= 0) throw new InvalidArgumentError(`--tag: expected KEY=VALUE, got "${value}"`)
  const key = value.slice(0, at)
  if (previous?.[key] !== undefined) {
    throw new InvalidArgumentError(`--tag: ${key} given twice; a call has one value per tag`)
  }
  return { ...previous, [key]: value.slice(at + 1) }
}

/** The ledger stores canonical model ids: an alias the pricing table knows is mapped to its model. */
function canonicalModel(model: string): string {
  return defaultPricingTable().servingProviders(model)[0]?.model.id ?? model
}

/**
 * An empty report for a model neither the pricing table nor the ledger knows is most likely a typo:
 * say so, with the close matches from both (as `prices` does).
 */
async function unknownModel(store: LedgerStore, query: LedgerQuery, model: string) {
  const table = defaultPricingTable()
  if (table.servingProviders(model).length > 0) return null
  const { model: _, ...unfiltered } = query
  const seen = await store.summarize({ ...unfiltered, groupBy: ['model'] })
  const names = new Set([
    ...table.modelNames(),
    ...seen.map((row) => row.group['model']).filter((name) => name != null),
  ])
  const close = closestNames(model, [...names])
  const hint = close.length > 0 ? `; close matches: ${close.join(', ')}` : ''
  return new TokenledgerError(
    'MODEL_UNKNOWN',
    `--model: no calls of "${model}" in the ledger, and the pricing table does not know it${hint}`,
  )
}

const money = (usd: Usd | null) => (usd === null ? '-' : formatUsd(usd))

function tableColumns(keys: readonly GroupKey[]): Column<ReportRow>[] {
  return [
    ...keys.map((key, i): Column<ReportRow> => ({
      header: key,
      // The total line (no keys) names itself in the first column only.
      value: (row) =>
        key in row.keys ? groupLabel(row.keys[key] ?? null) : i === 0 ? row.group : '',
    })),
    { header: 'calls', value: (row) => formatTokens(row.calls), align: 'right' },
    { header: 'input', value: (row) => formatTokens(row.inputTokens), align: 'right' },
    { header: 'cache read', value: (row) => formatTokens(row.cacheReadTokens), align: 'right' },
    { header: 'output', value: (row) => formatTokens(row.outputTokens), align: 'right' },
    { header: 'cost', value: (row) => formatUsd(row.cost), align: 'right' },
    { header: 'unpriced', value: (row) => formatTokens(row.unpricedCalls), align: 'right' },
    { header: 'reported¹', value: (row) => money(row.reportedCostOfUnpriced), align: 'right' },
    { header: 'spend²', value: (row) => money(row.spend), align: 'right' },
    { header: 'errors', value: (row) => formatTokens(row.errorCalls), align: 'right' },
  ]
}

/**
 * `tokenledger report`: spend from the ledger, grouped by time, model, provider or a tag (one key or
 * two). Opens the ledger read-only. Unpriced calls are counted, never priced at zero: a group with
 * no priced call says "unpriced", and what providers reported for such calls is shown apart.
 */
export function reportCommand(): Command {
  return new Command('report')
    .description('spend from the ledger, by day, week, month, model, provider or tag')
    .addOption(dbOption())
    .addOption(
      new Option(
        '--by <key>',
        `group by ${KEYS_HELP}, or two of them: OUTER,INNER (default: day)`,
      ).argParser(parseGroupKeys),
    )
    .addOption(sinceOption())
    .addOption(untilOption())
    .option('--provider <id>', 'only calls to this provider')
    .option(
      '--model <id>',
      'only calls to this model (canonical id, an alias the pricing table knows, or the id of an unpriced model)',
    )
    .addOption(
      new Option(
        '--tag <key=value>',
        'only calls with this tag; repeatable (all must match)',
      ).argParser(parseTag),
    )
    .addOption(jsonOption())
    .addOption(csvOption())
    .action(async (options: ReportOptions) => {
      const keys = options.by ?? ['day']
      const query: LedgerQuery = {
        groupBy: keys,
        ...(options.since ? { since: options.since } : {}),
        ...(options.until ? { until: options.until } : {}),
        ...(options.provider !== undefined ? { provider: options.provider } : {}),
        ...(options.model !== undefined ? { model: canonicalModel(options.model) } : {}),
        ...(options.tag !== undefined ? { tags: options.tag } : {}),
      }
      const store = await openStore(options.db, { readOnly: true })
      let summary: SummaryRow[]
      try {
        summary = await store.summarize(query)
        if (summary.length === 0 && options.model !== undefined) {
          const unknown = await unknownModel(store, query, options.model)
          if (unknown) throw unknown
        }
      } finally {
        await store.close()
      }
      const rows = reportRows(keys, summary)
      const format = outputFormat(options)
      const total = totalRow(rows)
      const shown = format === 'table' && rows.length > 0 ? [...rows, total] : rows
      printRows(shown, format, {
        table: tableColumns(keys),
        json: (row) => row,
        csv: {
          ...Object.fromEntries(
            keys.map((key) => [key, (row: ReportRow) => row.keys[key] ?? null]),
          ),
          calls: (row) => row.calls,
          inputTokens: (row) => row.inputTokens,
          cacheReadTokens: (row) => row.cacheReadTokens,
          cacheWriteTokens: (row) => row.cacheWriteTokens,
          outputTokens: (row) => row.outputTokens,
          reasoningTokens: (row) => row.reasoningTokens,
          cost: (row) => row.cost,
          reportedCost: (row) => row.reportedCost,
          unpricedCalls: (row) => row.unpricedCalls,
          reportedCostOfUnpriced: (row) => row.reportedCostOfUnpriced,
          unpricedReportedCalls: (row) => row.unpricedReportedCalls,
          spend: (row) => row.spend,
          errorCalls: (row) => row.errorCalls,
        },
        empty: 'no calls in the ledger match',
      })
      if (format === 'table' && rows.length > 0) process.stdout.write(spendLines(total))
    })
}
