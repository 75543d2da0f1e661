import { Command, InvalidArgumentError, Option } from 'commander'
import {
  bundledCatalogLayers,
  type CatalogCheck,
  type CheckedCatalog,
  checkAgainstCatalogs,
  defaultLayerDir,
  loadPricingTable,
  readCatalogLayers,
} from '@tokenledger/pricing'
import { CliExit } from '../cli-exit.js'
import { printJson } from '../render/output.js'
import { renderTable } from '../render/table.js'
import { atOption, jsonOption, pricesOption } from '../shared-flags.js'

interface CheckOptions {
  at?: Date
  maxAge: number
  json?: boolean
  prices?: string[]
  missing?: boolean
}

/**
 * `tokenledger prices check`: compares every curated card with each catalog layer (bundled, and the
 * user's own from `prices update`) at the catalog's instant. Exit code 1 when a curated card
 * disagrees with a catalog and its note does not name that catalog (so CI fails on it).
 */
export function pricesCheckCommand(): Command {
  return new Command('check')
    .description(
      'cross-check the curated cards with the imported catalogs (exit 1 on an unexplained disagreement)',
    )
    .addOption(atOption().default(undefined, "each catalog's snapshot date"))
    .addOption(
      new Option('--max-age <days>', 'list cards whose `checked` date is older than this many days')
        .default(180)
        .argParser((value: string) => {
          if (!/^\d+$/.test(value))
            throw new InvalidArgumentError(
              `--max-age: expected a whole number of days, got "${value}"`,
            )
          return Number(value)
        }),
    )
    .option(
      '--missing',
      'list every model a catalog prices that the curated files do not (else a count)',
    )
    .addOption(jsonOption())
    .addOption(pricesOption())
    .action((_options: CheckOptions, command: Command) => {
      // `prices` has --json, --at and --prices too: read both levels, wherever the user put them.
      const options = command.optsWithGlobals<CheckOptions>()
      const curated = loadPricingTable({
        catalogs: false,
        layers: [],
        ...(options.prices ? { overrides: options.prices } : {}),
      })
      const dir = defaultLayerDir()
      const layers = [...bundledCatalogLayers(), ...(dir ? readCatalogLayers(dir) : [])]
      const catalogs: CheckedCatalog[] = layers.map((layer) => ({
        name: layer.catalog.name,
        providers: layer.providers,
        snapshotFrom: `${layer.catalog.snapshot.slice(0, 10)}T00:00:00Z`,
      }))
      const report = checkAgainstCatalogs(curated, catalogs, {
        ...(options.at ? { at: options.at } : {}),
        now: new Date(),
        maxAgeDays: options.maxAge,
      })
      const unexplained = report.disagreements.filter((d) => !d.explained)
      if (options.json)
        printJson({
          ...report,
          files: layers.map((layer) => layer.file),
          unexplained: unexplained.length,
        })
      else
        printReport(
          report,
          layers.map((layer) => layer.file),
          options.missing ?? false,
          options.maxAge,
        )
      if (unexplained.length > 0)
        throw new CliExit(
          1,
          `error: ${unexplained.length} rate(s) disagree with a catalog without a note naming it`,
        )
    })
}

function printReport(
  report: CatalogCheck,
  files: string[],
  listMissing: boolean,
  maxAge: number,
): void {
  const out = process.stdout
  out.write(
    `compared ${report.compared} curated cards with ${files.join(', ')} at ${Object.entries(
      report.at,
    )
      .map(([name, at]) => `${name} ${at.slice(0, 10)}`)
      .join(', ')}\n\n`,
  )
  if (report.disagreements.length === 0) out.write('no disagreements\n')
  else {
    out.write(
      `${renderTable(report.disagreements, [
        { header: 'provider/model', value: (d) => `${d.provider}/${d.model}` },
        { header: 'rate', value: (d) => d.field },
        { header: 'curated', value: (d) => d.curated ?? '-', align: 'right' },
        {
          header: 'catalog',
          value: (d) => `${d.catalog} ${d.catalogValue ?? '-'}`,
          align: 'right',
        },
        { header: 'explained', value: (d) => (d.explained ? 'yes (note)' : 'NO') },
      ])}\n`,
    )
    out.write(
      'sources: curated cards cite the provider pages; the catalog values cite the catalog snapshots above (--json lists both per rate)\n',
    )
  }
  out.write(`\n${report.stale.length} cards in force were checked more than ${maxAge} days ago\n`)
  for (const card of report.stale)
    out.write(
      `  ${card.provider}/${card.model}: checked ${card.checked} (${card.ageDays} days) ${card.source}\n`,
    )
  out.write(
    `${report.missing.length} models priced by a catalog are not in the curated files (the catalog layers price them)\n`,
  )
  if (listMissing)
    for (const m of report.missing) out.write(`  ${m.catalog}: ${m.provider}/${m.model}\n`)
}
