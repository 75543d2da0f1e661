import { Command, Option } from 'commander'
import { type LedgerQuery, openStore } from '@tokenledger/store'
import { tableFromOptions } from '../pricing-table-option.js'
import { formatTokens, formatUsd } from '../render/format.js'
import { printJson } from '../render/output.js'
import { renderTable } from '../render/table.js'
import {
  applyReprice,
  planReprice,
  type RepriceGroup,
  type RepriceTotals,
} from '../reprice-ledger.js'
import { CliExit } from '../cli-exit.js'
import { dbOption, jsonOption, pricesOption, sinceOption, untilOption } from '../shared-flags.js'

interface RepriceOptions {
  db?: string
  since?: Date
  until?: Date
  dryRun?: boolean
  json?: boolean
  prices?: string[]
}

/**
 * `tokenledger reprice`: prices the stored calls again with the current pricing table (fixes
 * wrong prices, prices calls that were unpriced), shows what changes by provider and model, then
 * writes the changes, one transaction per page of calls. `--dry-run` opens the ledger read-only
 * and writes nothing.
 */
export function repriceCommand(): Command {
  return new Command('reprice')
    .description('price the stored calls again with the current pricing table')
    .addOption(dbOption())
    .addOption(sinceOption())
    .addOption(untilOption())
    .addOption(new Option('--dry-run', 'show what would change; write nothing'))
    .addOption(jsonOption())
    .addOption(pricesOption())
    .action(async (options: RepriceOptions) => {
      const table = tableFromOptions(options)
      if (options.since && options.until && options.until <= options.since) {
        throw new CliExit(
          1,
          `error: --until ${options.until.toISOString()} is not after --since ${options.since.toISOString()}`,
        )
      }
      const query: LedgerQuery = {
        ...(options.since ? { since: options.since } : {}),
        ...(options.until ? { until: options.until } : {}),
      }
      const dryRun = options.dryRun ?? false
      const store = await openStore(options.db, { readOnly: dryRun })
      try {
        const plan = await planReprice(store, table, query)
        const { totals, groups } = plan
        if (!options.json) {
          process.stdout.write(`${renderSummary(groups, totals)}\n`)
          if (dryRun) {
            process.stdout.write(
              `dry run: ${formatTokens(totals.changed)} call(s) would change; nothing was written\n`,
            )
          }
        }
        let written = 0
        if (!dryRun && totals.changed > 0) {
          if (!options.json) {
            process.stderr.write(`writing ${formatTokens(totals.changed)} update(s)...\n`)
          }
          written = await applyReprice(store, table, plan)
          if (!options.json) process.stdout.write(`updated ${formatTokens(written)} call(s)\n`)
        } else if (!dryRun && !options.json) {
          process.stdout.write('every call already has its current price; nothing to write\n')
        }
        if (options.json) {
          printJson({
            dryRun,
            since: options.since?.toISOString() ?? null,
            until: options.until?.toISOString() ?? null,
            ...totals,
            written,
            groups,
          })
        }
      } finally {
        await store.close()
      }
    })
}

function renderSummary(groups: RepriceGroup[], totals: RepriceTotals): string {
  if (groups.length === 0) return 'no calls in the ledger match'
  const rows = [...groups, { provider: 'total', requestedModel: '', model: null, ...totals }]
  return renderTable<RepriceGroup>(rows, [
    { header: 'provider', value: (row) => row.provider },
    { header: 'model', value: (row) => row.requestedModel },
    { header: 'calls', value: (row) => formatTokens(row.calls), align: 'right' },
    { header: 'changed', value: (row) => formatTokens(row.changed), align: 'right' },
    { header: 'newly priced', value: (row) => formatTokens(row.newlyPriced), align: 'right' },
    { header: 'now unpriced', value: (row) => formatTokens(row.newlyUnpriced), align: 'right' },
    { header: 'unpriced', value: (row) => formatTokens(row.unpriced), align: 'right' },
    { header: 'old total', value: (row) => formatUsd(row.oldCost), align: 'right' },
    { header: 'new total', value: (row) => formatUsd(row.newCost), align: 'right' },
  ])
}
