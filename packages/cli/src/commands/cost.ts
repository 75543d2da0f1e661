import { Command, Option } from 'commander'
import {
  type Cost,
  explainPrice,
  type ServiceTier,
  TokenledgerError,
  type Usage,
} from '@tokenledger/pricing'
import { formatTokens, formatUsd } from '../render/format.js'
import { printJson } from '../render/output.js'
import { renderTable } from '../render/table.js'
import { atOption, jsonOption, parseTokenCount, pricesOption } from '../shared-flags.js'
import { tableFromOptions } from '../pricing-table-option.js'
import { unknownModelError, unknownProviderError } from '../unknown-model.js'

interface CostOptions {
  provider: string
  model: string
  input: number
  output: number
  cacheRead?: number
  cacheWrite?: number
  cacheWrite1h?: number
  reasoning?: number
  at?: Date
  batch?: boolean
  serviceTier?: ServiceTier
  json?: boolean
  explain?: boolean
  prices?: string[]
}

/** The `--json` shape of `tokenledger cost`. Every amount is a decimal string. */
export function costJson(provider: string, model: string, cost: Cost) {
  return {
    provider,
    model,
    currency: cost.currency,
    cost: cost.total,
    breakdown: cost.breakdown,
    cacheSavings: cost.cacheSavings,
    card: {
      from: cost.card.from,
      source: cost.card.source,
      checked: cost.card.checked,
      id: cost.card.id,
      ...(cost.card.tier !== undefined ? { tier: cost.card.tier } : {}),
      ...(cost.card.window !== undefined ? { window: cost.card.window } : {}),
      ...(cost.card.serviceTier !== undefined ? { serviceTier: cost.card.serviceTier } : {}),
    },
    rates: cost.rates,
    notes: cost.notes,
  }
}

/** `tokenledger cost`: the exact cost of one call's usage, with its breakdown. */
export function costCommand(): Command {
  const tokens = (flag: string, description: string) =>
    new Option(`${flag} <n>`, description).argParser(parseTokenCount(flag))
  return new Command('cost')
    .description('exact cost of a usage at a provider, with breakdown')
    .requiredOption('--provider <id>', 'provider id (see `tokenledger prices`)')
    .requiredOption('--model <id>', 'model id or alias')
    .addOption(tokens('--input', 'prompt tokens, cached ones included').makeOptionMandatory())
    .addOption(tokens('--output', 'generated tokens, reasoning included').makeOptionMandatory())
    .addOption(tokens('--cache-read', 'of the input, tokens read from cache'))
    .addOption(
      tokens(
        '--cache-write',
        'of the input, tokens written to cache (5-minute TTL unless --cache-write-1h)',
      ),
    )
    .addOption(tokens('--cache-write-1h', 'of the cache writes, tokens written with a 1-hour TTL'))
    .addOption(tokens('--reasoning', 'of the output, reasoning tokens'))
    .addOption(atOption())
    .addOption(
      new Option('--batch', 'price as a batch request (e.g. OpenAI Batch: 50%)').conflicts(
        'serviceTier',
      ),
    )
    .addOption(
      new Option('--service-tier <tier>', 'service tier').choices([
        'standard',
        'batch',
        'flex',
        'priority',
      ]),
    )
    .option('--explain', 'also say which provider file, alias and card matched, and why')
    .addOption(jsonOption())
    .addOption(pricesOption())
    .action((options: CostOptions) => {
      const table = tableFromOptions(options)
      if (!table.provider(options.provider)) throw unknownProviderError(table, options.provider)
      const usage: Usage = {
        inputTokens: options.input,
        cacheReadTokens: options.cacheRead ?? 0,
        cacheWriteTokens: options.cacheWrite ?? 0,
        outputTokens: options.output,
        reasoningTokens: options.reasoning ?? 0,
        ...(options.cacheWrite1h !== undefined ? { cacheWrite1hTokens: options.cacheWrite1h } : {}),
      }
      checkFlags(usage)
      const resolved = table.resolveModel(options.provider, options.model)
      if (!resolved) throw unknownModelError(table, options.model, options.provider)
      const at = options.at ?? new Date()
      const serviceTier = options.batch ? 'batch' : options.serviceTier
      const cost = table.price({
        provider: options.provider,
        model: options.model,
        at,
        usage,
        ...(serviceTier ? { serviceTier } : {}),
      })
      const explanation = options.explain
        ? explainPrice(table, {
            provider: options.provider,
            model: options.model,
            at,
            promptTokens: usage.inputTokens,
            ...(serviceTier ? { serviceTier } : {}),
          })
        : undefined
      if (explanation && (!cost || !options.json))
        process.stderr.write(`${explanation.steps.map((step) => `explain: ${step}`).join('\n')}\n`)
      if (!cost) {
        const why =
          resolved.model.cards.length === 0
            ? 'its price is unknown (no rate card)'
            : serviceTier && table.cardAt(options.provider, options.model, at)
              ? `the card in force offers no "${serviceTier}" service tier`
              : `no rate card is in force at ${at.toISOString()}`
        throw new TokenledgerError(
          'MODEL_UNKNOWN',
          `${options.provider}/${resolved.model.id}: cannot price: ${why}`,
        )
      }
      if (options.json)
        return printJson({
          ...costJson(options.provider, resolved.model.id, cost),
          ...(explanation ? { explain: explanation.steps } : {}),
        })
      const fresh = usage.inputTokens - usage.cacheReadTokens - usage.cacheWriteTokens
      const rows: Array<[string, string, string, string]> = [
        ['fresh input', formatTokens(fresh), cost.rates.input, cost.breakdown.input],
        [
          'cache read',
          formatTokens(usage.cacheReadTokens),
          cost.rates.cacheRead ?? `${cost.rates.input} (input rate)`,
          cost.breakdown.cacheRead,
        ],
        [
          'cache write',
          formatTokens(usage.cacheWriteTokens),
          cost.rates.cacheWrite5m ?? `${cost.rates.input} (input rate)`,
          cost.breakdown.cacheWrite,
        ],
        ['output', formatTokens(usage.outputTokens), cost.rates.output, cost.breakdown.output],
      ]
      const lines = [
        `${options.provider} / ${resolved.model.id} at ${at.toISOString()}`,
        renderTable<[string, string, string, string]>(
          [...rows, ['total', '', '', cost.total]],
          [
            { header: 'part', value: (row) => row[0] },
            { header: 'tokens', value: (row) => row[1], align: 'right' },
            { header: 'USD /1M', value: (row) => row[2], align: 'right' },
            { header: 'cost (exact)', value: (row) => row[3], align: 'right' },
            { header: 'cost', value: (row) => formatUsd(row[3]), align: 'right' },
          ],
        ),
        `card: ${cost.card.id}`,
        `source: ${cost.card.source} (checked ${cost.card.checked})`,
        ...cost.notes.map((note) => `note: ${note}`),
      ]
      process.stdout.write(`${lines.join('\n')}\n`)
    })
}

function checkFlags(usage: Usage): void {
  const fail = (message: string): never => {
    throw new TokenledgerError('FLAG_INVALID', message)
  }
  if (usage.cacheReadTokens + usage.cacheWriteTokens > usage.inputTokens) {
    fail(
      `--cache-read + --cache-write (${usage.cacheReadTokens + usage.cacheWriteTokens}) exceed --input (${usage.inputTokens}): cached tokens are part of the input`,
    )
  }
  if ((usage.cacheWrite1hTokens ?? 0) > usage.cacheWriteTokens) {
    fail(
      `--cache-write-1h (${usage.cacheWrite1hTokens}) exceeds --cache-write (${usage.cacheWriteTokens})`,
    )
  }
  if (usage.reasoningTokens > usage.outputTokens) {
    fail(
      `--reasoning (${usage.reasoningTokens}) exceeds --output (${usage.outputTokens}): reasoning tokens are part of the output`,
    )
  }
}
