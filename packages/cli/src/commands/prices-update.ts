import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { Command, InvalidArgumentError, Option } from 'commander'
import {
  bundledCatalogLayers,
  CATALOG_NAMES,
  type CatalogImport,
  type CatalogName,
  carryHistory,
  defaultLayerDir,
  diffLayers,
  importGenaiPrices,
  importLitellm,
  importOpenrouter,
  knownModels,
  type LayerChange,
  loadPricingTable,
  parseCatalogLayer,
  renderCatalogLayer,
  TokenledgerError,
} from '@tokenledger/pricing'
import { printJson } from '../render/output.js'
import { jsonOption } from '../shared-flags.js'
import { formatChange } from './prices-format.js'

const IMPORTERS = {
  'genai-prices': importGenaiPrices,
  litellm: importLitellm,
  openrouter: importOpenrouter,
} as const
const CATALOG_URLS: Record<CatalogName, string> = {
  'genai-prices': 'https://github.com/pydantic/genai-prices',
  litellm: 'https://github.com/BerriAI/litellm/blob/main/model_prices_and_context_window.json',
  openrouter: 'https://openrouter.ai/api/v1/models',
}

interface UpdateOptions {
  from: CatalogName
  dir?: string
  snapshot?: string
  dryRun?: boolean
  json?: boolean
}

/**
 * `tokenledger prices update --from CATALOG FILE|URL`: converts a newer catalog into the user's own
 * price layer and shows what changes before it writes. Offline by default: a URL is fetched only
 * when one is given.
 */
export function pricesUpdateCommand(): Command {
  return new Command('update')
    .description('convert a newer catalog into your own price layer (shows the changes first)')
    .argument('<file-or-url>', 'the catalog: a local file, or an http(s) URL to fetch')
    .addOption(
      new Option('--from <catalog>', 'which catalog the file is')
        .choices([...CATALOG_NAMES])
        .makeOptionMandatory(),
    )
    .option(
      '--dir <dir>',
      `the price layer directory (default: $TOKENLEDGER_PRICE_LAYER or ${defaultLayerDir() ?? '~/.config/tokenledger/prices'})`,
    )
    .addOption(
      new Option(
        '--snapshot <date>',
        "the snapshot's date, cited by every card (default: today, UTC)",
      ).argParser(parseDate),
    )
    .option('--dry-run', 'show the changes, write nothing')
    .addOption(jsonOption())
    .action(async (source: string, _options: UpdateOptions, command: Command) => {
      // `prices` has --json too: read the options of both levels, wherever the user put them.
      const options = command.optsWithGlobals<UpdateOptions>()
      const dir = options.dir ?? defaultLayerDir()
      if (!dir)
        throw new TokenledgerError(
          'FLAG_INVALID',
          '--dir: no default price layer directory (HOME is not set); give --dir',
        )
      const text = await readCatalog(source)
      const snapshot = options.snapshot ?? new Date().toISOString().slice(0, 10)
      const curated = loadPricingTable({ catalogs: false, layers: [] })
      const known = knownModels(curated.providers())
      let result: CatalogImport
      try {
        result = IMPORTERS[options.from](
          text,
          {
            catalog: options.from,
            snapshot,
            from: `${snapshot}T00:00:00Z`,
            url: /^https?:\/\//.test(source) ? source : CATALOG_URLS[options.from],
          },
          known,
        )
      } catch (error) {
        throw new TokenledgerError(
          'PRICING_INVALID',
          `${source}: not a ${options.from} catalog: ${(error as Error).message}`,
          { cause: error },
        )
      }
      const file = join(dir, `${options.from}.json`)
      const previous = readPrevious(file, options.from)
      const changes = diffLayers(previous.providers, result.providers)
      const providers = carryHistory(previous.providers, result.providers)
      const written = !options.dryRun
      if (written)
        writeLayer(
          dir,
          file,
          renderCatalogLayer(
            { ...result, providers },
            `tokenledger prices update --from ${options.from}`,
          ),
        )
      const summary = {
        catalog: options.from,
        snapshot,
        file,
        comparedWith: previous.file,
        written,
        counts: {
          ...result.counts,
          new: count(changes, 'new-model'),
          changed: count(changes, 'changed-rates'),
          removed: count(changes, 'removed-model'),
        },
        unknownFields: result.unknownFields,
        skipped: result.skipped.length,
        warnings: result.warnings.length,
        changes,
      }
      if (options.json) return printJson(summary)
      const out = process.stdout
      out.write(
        `${options.from} snapshot ${snapshot}: ${result.counts.models} models from ${result.counts.entries} entries (${result.skipped.length} skipped, ${result.warnings.length} warnings)\n`,
      )
      out.write(`compared with ${previous.file}\n`)
      out.write(
        `${summary.counts.new} new models, ${summary.counts.changed} changed rates, ${summary.counts.removed} removed\n`,
      )
      for (const change of changes) out.write(`${formatChange(change)}\n`)
      const unknown = Object.entries(result.unknownFields)
      if (unknown.length)
        out.write(
          `fields not converted: ${unknown.map(([field, n]) => `${field} (${n})`).join(', ')}\n`,
        )
      out.write(written ? `wrote ${file}\n` : 'dry run: nothing written\n')
    })
}

function count(changes: LayerChange[], kind: LayerChange['kind']): number {
  return changes.filter((change) => change.kind === kind).length
}

function parseDate(value: string): string {
  if (
    !/^\d{4}-\d{2}-\d{2}$/.test(value) ||
    Number.isNaN(Date.parse(`${value}T00:00:00Z`)) ||
    new Date(`${value}T00:00:00Z`).toISOString().slice(0, 10) !== value
  ) {
    throw new InvalidArgumentError(`--snapshot: expected a date YYYY-MM-DD, got "${value}"`)
  }
  return value
}

/** A local file, or a URL (fetched only because the user gave one). */
async function readCatalog(source: string): Promise<string> {
  if (/^https?:\/\//.test(source)) {
    let response: Response
    try {
      response = await fetch(source, { signal: AbortSignal.timeout(60_000) })
    } catch (error) {
      throw new TokenledgerError(
        'FLAG_INVALID',
        `${source}: cannot fetch the catalog: ${(error as Error).message}`,
        { cause: error },
      )
    }
    if (!response.ok)
      throw new TokenledgerError(
        'FLAG_INVALID',
        `${source}: the server answered ${response.status} ${response.statusText}`,
      )
    return response.text()
  }
  try {
    return readFileSync(source, 'utf8')
  } catch (error) {
    const reason =
      (error as NodeJS.ErrnoException).code === 'ENOENT'
        ? 'file not found'
        : (error as Error).message
    throw new TokenledgerError('FLAG_INVALID', `${source}: cannot read the catalog: ${reason}`, {
      cause: error,
    })
  }
}

/** The layer this update replaces: the user's own, else the bundled layer of the same catalog. */
function readPrevious(
  file: string,
  catalog: CatalogName,
): { file: string; providers: ReturnType<typeof parseCatalogLayer>['providers'] } {
  try {
    return {
      file,
      providers: parseCatalogLayer(file, readFileSync(file, 'utf8'), { validate: true }).providers,
    }
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error
  }
  const bundled = bundledCatalogLayers().find((layer) => layer.catalog.name === catalog)
  return bundled
    ? { file: bundled.file, providers: bundled.providers }
    : { file: '(no earlier layer)', providers: [] }
}

/** Writes the layer atomically: a reader never sees half a file. */
function writeLayer(dir: string, file: string, text: string): void {
  mkdirSync(dir, { recursive: true })
  const temporary = `${file}.${process.pid}.tmp`
  writeFileSync(temporary, text)
  renameSync(temporary, file)
}
