import { Command } from 'commander'
import {
  type ModelData,
  parseScaled,
  type PricingTable,
  type ProviderInfo,
  RATE_DECIMALS,
  tableStats,
} from '@tokenledger/pricing'
import { printJson } from '../render/output.js'
import { pricesCheckCommand } from './prices-check.js'
import { pricesUpdateCommand } from './prices-update.js'
import { formatRate } from '../render/format.js'
import { printRows } from '../render/output.js'
import { atOption, jsonOption, outputFormat, pricesOption } from '../shared-flags.js'
import { tableFromOptions } from '../pricing-table-option.js'
import { unknownModelError, unknownProviderError } from '../unknown-model.js'

/** One provider's offer of one model at an instant. */
export interface PriceRow {
  provider: ProviderInfo
  model: ModelData
  card: ReturnType<PricingTable['cardAt']>
}

/** `tokenledger prices [MODEL]`: rate cards; for a model, every provider side by side, cheapest first. */
export function pricesCommand(): Command {
  return new Command('prices')
    .description('show rate cards; for a model, every provider that serves it, cheapest first')
    .argument(
      '[model]',
      'model id or any provider alias (e.g. deepseek-v4-flash, deepseek/deepseek-v4-flash)',
    )
    .option('--provider <id>', 'only this provider')
    .option('--stats', 'count the models, providers and cards the table prices')
    .addOption(atOption())
    .addOption(jsonOption())
    .addOption(pricesOption())
    .addCommand(pricesUpdateCommand())
    .addCommand(pricesCheckCommand())
    .action(
      (
        model: string | undefined,
        options: {
          provider?: string
          at?: Date
          json?: boolean
          prices?: string[]
          stats?: boolean
        },
      ) => {
        const table = tableFromOptions(options)
        if (options.stats) return printStats(table, options.json ?? false)
        const at = options.at ?? new Date()
        if (options.provider && !table.provider(options.provider))
          throw unknownProviderError(table, options.provider)
        let offers = model
          ? table.servingProviders(model)
          : table
              .providers()
              .flatMap((provider) => provider.models.map((m) => ({ provider, model: m })))
        if (options.provider)
          offers = offers.filter((offer) => offer.provider.id === options.provider)
        if (model && offers.length === 0) throw unknownModelError(table, model, options.provider)
        const rows: PriceRow[] = offers
          .map(({ provider, model: m }) => ({
            provider,
            model: m,
            card: table.cardAt(provider.id, m.id, at),
          }))
          .sort(model ? cheapestFirst : byProviderThenModel)
        printRows(rows, outputFormat(options), {
          table: [
            { header: 'provider', value: (row) => row.provider.id },
            { header: 'model', value: (row) => apiName(row) },
            {
              header: 'input /1M',
              value: (row) => formatRate(row.card?.card.data.rates.input),
              align: 'right',
            },
            {
              header: 'cache read /1M',
              value: (row) => formatRate(row.card?.card.data.rates.cacheRead),
              align: 'right',
            },
            {
              header: 'cache write /1M',
              value: (row) => formatRate(row.card?.card.data.rates.cacheWrite5m),
              align: 'right',
            },
            {
              header: 'output /1M',
              value: (row) => formatRate(row.card?.card.data.rates.output),
              align: 'right',
            },
            {
              header: 'context',
              value: (row) =>
                row.model.contextWindow ? row.model.contextWindow.toLocaleString('en-US') : '-',
              align: 'right',
            },
            { header: 'variants', value: variants },
            {
              header: 'since',
              value: (row) => (row.card ? row.card.card.fromIso.slice(0, 10) : 'price unknown'),
            },
          ],
          json: (row) => ({
            provider: row.provider.id,
            providerName: row.provider.name,
            model: row.model.id,
            aliases: row.model.aliases ?? [],
            contextWindow: row.model.contextWindow ?? null,
            maxOutput: row.model.maxOutput ?? null,
            retires: row.model.retires ?? null,
            rates: row.card?.card.data.rates ?? null,
            tiers: row.card?.card.data.tiers ?? [],
            windows: row.card?.card.data.windows ?? [],
            serviceTiers: row.card?.card.data.serviceTiers ?? {},
            card: row.card
              ? {
                  from: row.card.card.fromIso,
                  source: row.card.card.data.source,
                  checked: row.card.card.data.checked,
                  note: row.card.card.data.note ?? null,
                }
              : null,
          }),
          csv: {
            provider: (row) => row.provider.id,
            model: (row) => row.model.id,
            input: (row) => row.card?.card.data.rates.input ?? null,
            cacheRead: (row) => row.card?.card.data.rates.cacheRead ?? null,
            cacheWrite5m: (row) => row.card?.card.data.rates.cacheWrite5m ?? null,
            cacheWrite1h: (row) => row.card?.card.data.rates.cacheWrite1h ?? null,
            output: (row) => row.card?.card.data.rates.output ?? null,
            from: (row) => row.card?.card.fromIso ?? null,
            source: (row) => row.card?.card.data.source ?? null,
          },
          empty: 'no models match',
        })
      },
    )
}

/** The id the provider's API takes: its namespaced alias where it has one (OpenRouter). */
function apiName(row: PriceRow): string {
  const namespaced = row.model.aliases?.find((alias) => alias.includes('/'))
  return namespaced ?? row.model.id
}

function variants(row: PriceRow): string {
  const data = row.card?.card.data
  if (!data) return ''
  const parts: string[] = []
  for (const tier of data.tiers ?? [])
    parts.push(`>${tier.above.toLocaleString('en-US')}: $${tier.rates.input}/$${tier.rates.output}`)
  for (const window of data.windows ?? [])
    parts.push(`${window.name} ${window.start}-${window.end} ${window.timezone}`)
  for (const name of Object.keys(data.serviceTiers ?? {})) parts.push(name)
  return parts.join('; ')
}

/** Price of 1M input + 1M output in micro-USD; unknown prices sort last. */
function blended(row: PriceRow): bigint | null {
  const rates = row.card?.card.data.rates
  return rates
    ? parseScaled(rates.input, RATE_DECIMALS) + parseScaled(rates.output, RATE_DECIMALS)
    : null
}

function cheapestFirst(a: PriceRow, b: PriceRow): number {
  const x = blended(a)
  const y = blended(b)
  if (x === null || y === null)
    return x === y ? a.provider.id.localeCompare(b.provider.id) : x === null ? 1 : -1
  return x < y ? -1 : x > y ? 1 : a.provider.id.localeCompare(b.provider.id)
}

function byProviderThenModel(a: PriceRow, b: PriceRow): number {
  return a.provider.id.localeCompare(b.provider.id) || a.model.id.localeCompare(b.model.id)
}

function printStats(table: PricingTable, json: boolean): void {
  const stats = tableStats(table)
  if (json) return printJson(stats)
  const lines = [
    `${stats.models.toLocaleString('en-US')} models priced across ${stats.providers} providers`,
    `${stats.offers.toLocaleString('en-US')} provider x model offers, ${stats.cards.toLocaleString('en-US')} rate cards`,
    `${stats.unpricedModels} models known with no price (calls to them are recorded unpriced)`,
    'offers by source of their current card:',
    ...Object.entries(stats.offersBySource).map(
      ([source, count]) => `  ${source}: ${count.toLocaleString('en-US')}`,
    ),
  ]
  process.stdout.write(`${lines.join('\n')}\n`)
}
