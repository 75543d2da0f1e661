import { readdirSync, readFileSync } from 'node:fs'
import { type CatalogLayer, parseCatalogLayer } from './catalog/catalog-layer.js'
import { BUNDLED_CATALOGS, BUNDLED_PRICING } from './bundled-data.generated.js'
import { TokenledgerError } from './errors.js'
import { fillFromLayer, type ProviderEntry } from './layer-providers.js'
import { mergeProvider } from './merge-providers.js'
import { PricingTable } from './pricing-table.js'
import type { ProviderData } from './schema.js'
import { validateProvider } from './validate-provider.js'

export interface LoadPricingOptions {
  /** Override files (same schema: one provider, or `{ providers: [...] }`), merged in order. */
  overrides?: readonly string[]
  /** Include the bundled table (default true). */
  bundled?: boolean
  /** Include the bundled catalog layers (pricing/catalog/, default true). */
  catalogs?: boolean
  /**
   * Directories of the user's own catalog layers (written by `tokenledger prices update`), above
   * the bundled catalog layers and below the curated files. Default: `$TOKENLEDGER_PRICE_LAYER`,
   * else `$XDG_CONFIG_HOME/tokenledger/prices` (or `~/.config/tokenledger/prices`) when it exists.
   */
  layers?: readonly string[]
  /**
   * Where to read `TOKENLEDGER_PRICES` (a path, or several separated by the platform's path
   * delimiter) from; default `process.env`. Pass `{}` to ignore the environment.
   */
  env?: Record<string, string | undefined>
}

/**
 * Loads the pricing table, in precedence order: user overrides from `TOKENLEDGER_PRICES` and
 * `options.overrides` (merged over everything), the curated `pricing/*.json`, the user's catalog
 * layers (`prices update`), then the bundled catalog layers (`pricing/catalog/`), each lower layer
 * filling only what the ones above do not price (see `fillFromLayer`). The bundled data was
 * validated at build time and is only indexed here; user files are validated as they load.
 * @throws TokenledgerError PRICING_INVALID naming the file, the model and the field.
 * @example
 * const table = loadPricingTable({ overrides: ['./negotiated-prices.json'] })
 * const cost = table.price({ provider: 'openrouter', model: 'deepseek/deepseek-v4-flash', at: new Date(), usage })
 * if (cost === null) console.log('unpriced: unknown model or no card in force')
 */
export function loadPricingTable(options: LoadPricingOptions = {}): PricingTable {
  const primary = new Map<string, ProviderEntry>()
  const env = options.env ?? process.env
  if (options.bundled ?? true) {
    for (const { file, data } of BUNDLED_PRICING) {
      primary.set((data as { id: string }).id, { data: data as ProviderData, files: [file] })
    }
  }
  const envValue = env.TOKENLEDGER_PRICES
  const files = [
    ...(envValue ? envValue.split(process.platform === 'win32' ? ';' : ':').filter(Boolean) : []),
    ...(options.overrides ?? []),
  ]
  // Overrides merge over the curated files (a negotiated rate is one more card), before any
  // catalog layer fills the rest, so they win over the catalogs too.
  for (const file of files) {
    for (const override of readOverride(file)) {
      const existing = primary.get(override.id)
      primary.set(
        override.id,
        existing
          ? {
              data: validateProvider(file, mergeProvider(existing.data, override)),
              files: [...existing.files, file],
            }
          : { data: override, files: [file] },
      )
    }
  }
  // User layers are read and validated now, so a broken one fails at load, not on a later call.
  const userLayers = (options.layers ?? defaultLayerDirs(env)).flatMap((dir) =>
    readLayerDir(dir).map(({ file, text }) => ({
      file,
      providers: parseCatalogLayer(file, text, { validate: true }).providers,
    })),
  )
  const bundledCatalogs = (options.catalogs ?? options.bundled ?? true) ? BUNDLED_CATALOGS : []
  if (userLayers.length === 0 && bundledCatalogs.length === 0)
    return new PricingTable([...primary.values()])
  const complete = () => {
    const all = new Map(primary)
    for (const layer of userLayers) fillFromLayer(all, layer.providers, layer.file)
    for (const { file, json } of bundledCatalogs) {
      fillFromLayer(all, parseCatalogLayer(file, json, { validate: false }).providers, file)
    }
    return new PricingTable([...all.values()])
  }
  return new PricingTable([...primary.values()], { complete })
}

function readOverride(file: string): ProviderData[] {
  let data: unknown
  try {
    data = JSON.parse(readFileSync(file, 'utf8'))
  } catch (error) {
    const reason =
      (error as NodeJS.ErrnoException).code === 'ENOENT'
        ? 'file not found'
        : (error as Error).message
    throw new TokenledgerError(
      'PRICING_INVALID',
      `${file}: cannot read the price override: ${reason}`,
      { cause: error },
    )
  }
  if (data && typeof data === 'object' && 'providers' in data) {
    const list = (data as { providers: unknown }).providers
    if (!Array.isArray(list)) {
      throw new TokenledgerError(
        'PRICING_INVALID',
        `${file}: providers: expected an array of providers`,
      )
    }
    return list.map((provider, index) => validateProvider(`${file}: providers[${index}]`, provider))
  }
  return [validateProvider(file, data)]
}

/**
 * Where the user's own catalog layers live: `$TOKENLEDGER_PRICE_LAYER`, else
 * `$XDG_CONFIG_HOME/tokenledger/prices`, else `~/.config/tokenledger/prices` (`%APPDATA%` on Windows).
 */
export function defaultLayerDir(
  env: Record<string, string | undefined> = process.env,
): string | undefined {
  if (env.TOKENLEDGER_PRICE_LAYER) return env.TOKENLEDGER_PRICE_LAYER
  const config =
    env.XDG_CONFIG_HOME ||
    (process.platform === 'win32' ? env.APPDATA : env.HOME ? `${env.HOME}/.config` : undefined)
  return config ? `${config}/tokenledger/prices` : undefined
}

function defaultLayerDirs(env: Record<string, string | undefined>): string[] {
  const dir = defaultLayerDir(env)
  return dir ? [dir] : []
}

/** The layer files of a directory, in name order; none when it does not exist. */
function readLayerDir(dir: string): Array<{ file: string; text: string }> {
  let names: string[]
  try {
    names = readdirSync(dir)
      .filter((name) => name.endsWith('.json'))
      .sort()
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return []
    throw new TokenledgerError(
      'PRICING_INVALID',
      `${dir}: cannot read the price layer directory: ${(error as Error).message}`,
      { cause: error },
    )
  }
  return names.map((name) => {
    const file = `${dir}/${name}`
    try {
      return { file, text: readFileSync(file, 'utf8') }
    } catch (error) {
      throw new TokenledgerError(
        'PRICING_INVALID',
        `${file}: cannot read the price layer: ${(error as Error).message}`,
        { cause: error },
      )
    }
  })
}

let memo: { key: string; table: PricingTable } | undefined

/**
 * The bundled table plus the user's catalog layers and any `TOKENLEDGER_PRICES` override, loaded
 * once and shared. Reloads only when `TOKENLEDGER_PRICES` or the layer directory changes.
 */
export function defaultPricingTable(): PricingTable {
  const envKey = `${process.env.TOKENLEDGER_PRICES ?? ''}\u0000${defaultLayerDir() ?? ''}`
  if (!memo || memo.key !== envKey) memo = { key: envKey, table: loadPricingTable() }
  return memo.table
}

/** The bundled catalog layers (pricing/catalog/*.json), parsed (validated at build time). */
export function bundledCatalogLayers(): Array<CatalogLayer & { file: string }> {
  return BUNDLED_CATALOGS.map(({ file, json }) => ({
    file,
    ...parseCatalogLayer(file, json, { validate: false }),
  }))
}

/** The user's catalog layers in a directory (`tokenledger prices update` writes them), validated. */
export function readCatalogLayers(dir: string): Array<CatalogLayer & { file: string }> {
  return readLayerDir(dir).map(({ file, text }) => ({
    file,
    ...parseCatalogLayer(file, text, { validate: true }),
  }))
}
