import { readFileSync } from 'node:fs'
import { BUNDLED_PRICING } from './bundled-data.generated.js'
import { TokenledgerError } from './errors.js'
import { mergeProvider } from './merge-providers.js'
import { PricingTable } from './pricing-table.js'
import type { ProviderData } from './schema.js'
import { validateProvider } from './validate-provider.js'

export interface LoadPricingOptions {
  /** Override files (same schema: one provider, or `{ providers: [...] }`), merged in order. */
  overrides?: readonly string[]
  /** Include the bundled table (default true). */
  bundled?: boolean
  /**
   * Where to read `TOKENLEDGER_PRICES` (a path, or several separated by the platform's path
   * delimiter) from; default `process.env`. Pass `{}` to ignore the environment.
   */
  env?: Record<string, string | undefined>
}

/**
 * Loads and validates the pricing table: the bundled `pricing/*.json`, then user overrides from
 * `TOKENLEDGER_PRICES` and `options.overrides`, merged over it.
 * @throws TokenledgerError PRICING_INVALID naming the file, the model and the field.
 * @example
 * const table = loadPricingTable({ overrides: ['./negotiated-prices.json'] })
 * const cost = table.price({ provider: 'openrouter', model: 'deepseek/deepseek-v4-flash', at: new Date(), usage })
 * if (cost === null) console.log('unpriced: unknown model or no card in force')
 */
export function loadPricingTable(options: LoadPricingOptions = {}): PricingTable {
  const providers = new Map<string, { data: ProviderData; files: string[] }>()
  if (options.bundled ?? true) {
    for (const { file, data } of BUNDLED_PRICING) {
      providers.set((data as { id: string }).id, {
        data: validateProvider(file, data),
        files: [file],
      })
    }
  }
  const envValue = (options.env ?? process.env).TOKENLEDGER_PRICES
  const files = [
    ...(envValue ? envValue.split(process.platform === 'win32' ? ';' : ':').filter(Boolean) : []),
    ...(options.overrides ?? []),
  ]
  for (const file of files) {
    for (const override of readOverride(file)) {
      const existing = providers.get(override.id)
      providers.set(
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
  return new PricingTable([...providers.values()])
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

let memo: { key: string | undefined; table: PricingTable } | undefined

/**
 * The bundled table plus any `TOKENLEDGER_PRICES` override, loaded and validated once and shared.
 * Reloads only when `TOKENLEDGER_PRICES` changes.
 */
export function defaultPricingTable(): PricingTable {
  const envKey = process.env.TOKENLEDGER_PRICES
  if (!memo || memo.key !== envKey) memo = { key: envKey, table: loadPricingTable() }
  return memo.table
}
