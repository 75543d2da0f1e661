import { Command, InvalidArgumentError, Option } from 'commander'
import {
  defaultPricingTable,
  picoFromUsd,
  sumUsd,
  usdFromPico,
  type Usd,
} from '@tokenledger/pricing'
import {
  type GroupKey,
  isGroupKey,
  type LedgerQuery,
  openStore,
  PLAIN_GROUP_KEYS,
  type SummaryRow,
} from '@tokenledger/store'
import { formatTokens, formatUsd } from '../render/format.js'
import { printRows } from '../render/output.js'
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
  by: GroupKey
  since?: Date
  until?: Date
  provider?: string
  model?: string
  json?: boolean
  csv?: boolean
}

/** One line of the report, as `--json` prints it: the store's summary row, its group as a label. */
export type ReportRow = { group: string } & Pick<
  SummaryRow,
  | 'calls'
  | 'inputTokens'
  | 'cacheReadTokens'
  | 'cacheWriteTokens'
  | 'outputTokens'
  | 'reasoningTokens'
  | 'cost'
  | 'reportedCost'
  | 'unpricedCalls'
  | 'errorCalls'
>

const TIME_KEYS = new Set<string>(['hour', 'day', 'week', 'month'])

function parseGroupKey(value: string): GroupKey {
  if (!isGroupKey(value)) {
    throw new InvalidArgumentError(
      `--by: expected one of ${PLAIN_GROUP_KEYS.join(', ')} or tag:KEY, got "${value}"`,
    )
  }
  return value
}

/** A group value as a label: calls without a model are "(unknown)", without a tag or upstream "(none)". */
export function groupLabel(key: GroupKey, value: string | null): string {
  if (value !== null) return value
  return key === 'model' ? '(unknown)' : '(none)'
}

/**
 * The report's rows: time groups in time order; other groups by cost, dearest first (ties by
 * name, the calls without a model or tag last), since that is what a reader looks for.
 */
export function reportRows(key: GroupKey, summary: readonly SummaryRow[]): ReportRow[] {
  const ordered = TIME_KEYS.has(key)
    ? summary
    : [...summary].sort((a, b) => {
        const x = picoFromUsd(a.cost)
        const y = picoFromUsd(b.cost)
        if (x !== y) return x > y ? -1 : 1
        const p = a.group[key] ?? null
        const q = b.group[key] ?? null
        if (p === q) return 0
        if (p === null || q === null) return p === null ? 1 : -1
        return p < q ? -1 : 1
      })
  return ordered.map((row) => ({
    group: groupLabel(key, row.group[key] ?? null),
    calls: row.calls,
    inputTokens: row.inputTokens,
    cacheReadTokens: row.cacheReadTokens,
    cacheWriteTokens: row.cacheWriteTokens,
    outputTokens: row.outputTokens,
    reasoningTokens: row.reasoningTokens,
    cost: row.cost,
    reportedCost: row.reportedCost,
    unpricedCalls: row.unpricedCalls,
    errorCalls: row.errorCalls,
  }))
}

/** The ledger stores canonical model ids: an alias the pricing table knows is mapped to its model. */
function canonicalModel(model: string): string {
  return defaultPricingTable().servingProviders(model)[0]?.model.id ?? model
}

function totalRow(rows: readonly ReportRow[]): ReportRow {
  const sum = (pick: (row: ReportRow) => number) =>
    rows.reduce((total, row) => total + pick(row), 0)
  const reported = rows.filter((row) => row.reportedCost !== null)
  return {
    group: 'total',
    calls: sum((row) => row.calls),
    inputTokens: sum((row) => row.inputTokens),
    cacheReadTokens: sum((row) => row.cacheReadTokens),
    cacheWriteTokens: sum((row) => row.cacheWriteTokens),
    outputTokens: sum((row) => row.outputTokens),
    reasoningTokens: sum((row) => row.reasoningTokens),
    cost: usdFromPico(rows.reduce((total, row) => total + picoFromUsd(row.cost), 0n)),
    reportedCost: reported.length === 0 ? null : sumUsd(reported.map((row) => row.reportedCost!)),
    unpricedCalls: sum((row) => row.unpricedCalls),
    errorCalls: sum((row) => row.errorCalls),
  }
}

/**
 * `tokenledger report`: spend from the ledger, grouped by time, model, provider or a tag.
 * Opens the ledger read-only. Unpriced calls are counted, never priced at zero: the table says
 * how many calls its costs leave out.
 */
export function reportCommand(): Command {
  return new Command('report')
    .description('spend from the ledger, by day, week, month, model, provider or tag')
    .addOption(dbOption())
    .addOption(
      new Option('--by <key>', `group by ${PLAIN_GROUP_KEYS.join(' | ')} | tag:KEY`)
        .default('day')
        .argParser(parseGroupKey),
    )
    .addOption(sinceOption())
    .addOption(untilOption())
    .option('--provider <id>', 'only calls to this provider')
    .option(
      '--model <id>',
      'only calls to this model (canonical id or any alias the pricing table knows)',
    )
    .addOption(jsonOption())
    .addOption(csvOption())
    .action(async (options: ReportOptions) => {
      const query: LedgerQuery = {
        groupBy: [options.by],
        ...(options.since ? { since: options.since } : {}),
        ...(options.until ? { until: options.until } : {}),
        ...(options.provider !== undefined ? { provider: options.provider } : {}),
        ...(options.model !== undefined ? { model: canonicalModel(options.model) } : {}),
      }
      const store = await openStore(options.db, { readOnly: true })
      let summary: SummaryRow[]
      try {
        summary = await store.summarize(query)
      } finally {
        await store.close()
      }
      const rows = reportRows(options.by, summary)
      const format = outputFormat(options)
      const money = (usd: Usd | null) => (usd === null ? '-' : formatUsd(usd))
      const shown = format === 'table' && rows.length > 0 ? [...rows, totalRow(rows)] : rows
      printRows(shown, format, {
        table: [
          { header: options.by, value: (row) => row.group },
          { header: 'calls', value: (row) => formatTokens(row.calls), align: 'right' },
          { header: 'input', value: (row) => formatTokens(row.inputTokens), align: 'right' },
          {
            header: 'cache read',
            value: (row) => formatTokens(row.cacheReadTokens),
            align: 'right',
          },
          { header: 'output', value: (row) => formatTokens(row.outputTokens), align: 'right' },
          { header: 'cost', value: (row) => formatUsd(row.cost), align: 'right' },
          { header: 'reported', value: (row) => money(row.reportedCost), align: 'right' },
          { header: 'unpriced', value: (row) => formatTokens(row.unpricedCalls), align: 'right' },
          { header: 'errors', value: (row) => formatTokens(row.errorCalls), align: 'right' },
        ],
        json: (row) => row,
        csv: {
          group: (row) => row.group,
          calls: (row) => row.calls,
          inputTokens: (row) => row.inputTokens,
          cacheReadTokens: (row) => row.cacheReadTokens,
          cacheWriteTokens: (row) => row.cacheWriteTokens,
          outputTokens: (row) => row.outputTokens,
          reasoningTokens: (row) => row.reasoningTokens,
          cost: (row) => row.cost,
          reportedCost: (row) => row.reportedCost,
          unpricedCalls: (row) => row.unpricedCalls,
          errorCalls: (row) => row.errorCalls,
        },
        empty: 'no calls in the ledger match',
      })
      const unpriced = rows.reduce((total, row) => total + row.unpricedCalls, 0)
      if (format === 'table' && unpriced > 0) {
        process.stdout.write(
          `${formatTokens(unpriced)} call(s) could not be priced and are not in the costs; add their prices, then run \`tokenledger reprice\`\n`,
        )
      }
    })
}
