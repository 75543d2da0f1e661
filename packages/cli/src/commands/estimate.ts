import { existsSync, readFileSync, statSync } from 'node:fs'
import { Command, InvalidArgumentError, Option } from 'commander'
import cliProgress from 'cli-progress'
import { TokenledgerError } from '@tokenledger/pricing'
import {
  type BatchEstimate,
  estimateBatch,
  type LedgerHistorySource,
  type ProviderEstimate,
} from '@tokenledger/estimate'
import { defaultStoreUrl, type LedgerStore, openStore } from '@tokenledger/store'
import { CliExit } from '../cli-exit.js'
import { formatTokens, formatUsd } from '../render/format.js'
import { printJson } from '../render/output.js'
import { renderTable } from '../render/table.js'
import { atOption, dbOption, jsonOption, parseInstant, pricesOption } from '../shared-flags.js'
import { tableFromOptions } from '../pricing-table-option.js'
import { unknownModelError, unknownProviderError } from '../unknown-model.js'

/** Exit code when lines of the file were skipped (the rest was estimated). */
export const EXIT_LINES_SKIPPED = 3
/** Exit code when a model of the file is unknown to the pricing table (its requests are not priced). */
export const EXIT_UNKNOWN_MODEL = 2

interface EstimateOptions {
  model?: string
  system?: string
  provider?: string
  compare?: boolean
  batch?: boolean
  db?: string
  ledger: boolean
  tag?: Record<string, string>
  since?: Date
  at?: Date
  json?: boolean
  prices?: string[]
  workers?: number | 'auto'
}

// Problems printed under the table; --json carries up to 1,000.
const PRINTED_PROBLEMS = 20

function parseTag(
  value: string,
  previous: Record<string, string> | undefined,
): Record<string, string> {
  const match = /^([^=]+)=(.*)$/.exec(value)
  if (!match) throw new InvalidArgumentError(`--tag: expected KEY=VALUE, got "${value}"`)
  return { ...previous, [match[1]!]: match[2]! }
}

function parseWorkers(value: string): number | 'auto' {
  if (value === 'auto') return 'auto'
  if (!/^\d{1,2}$/.test(value))
    throw new InvalidArgumentError(
      `--workers: expected "auto" or a number of threads 0..99, got "${value}"`,
    )
  return Number(value)
}

/** 'file' for a regular file, else what it is instead (a directory, a pipe or device, nothing). */
function fileKind(path: string): string {
  if (!existsSync(path)) return 'no such file'
  const stat = statSync(path)
  if (stat.isFile()) return 'file'
  if (stat.isDirectory()) return 'is a directory; expected a JSONL batch file'
  return 'is not a regular file (a pipe, socket or device); expected a JSONL batch file'
}

/**
 * `tokenledger estimate FILE`: what a batch will cost before it runs, at every provider that serves
 * its model (or one), as a low / expected / high range. Exit codes: 0 all lines estimated, 2 a
 * model is unknown to the pricing table, 3 lines were skipped (listed on stderr or in --json).
 */
export function estimateCommand(): Command {
  return new Command('estimate')
    .description(
      'estimate the cost of a batch file (OpenAI Batch API JSONL, chat bodies, prompts) before running it',
    )
    .argument(
      '<file>',
      'JSONL: Batch API lines, chat-completions or Responses bodies, prompts; or .txt: one prompt per line',
    )
    .option(
      '--model <id>',
      'model for every line (overrides the lines\' own "model"; required for prompts without one)',
    )
    .option('--system <file>', 'system prompt file put before every prompt line')
    .addOption(new Option('--provider <id>', 'price at this provider only').conflicts('compare'))
    .option(
      '--compare',
      'every provider that serves the model, cheapest first (the default without --provider)',
    )
    .option('--batch', 'price the batch service tier only (e.g. OpenAI Batch API: 50%)')
    .addOption(dbOption())
    .option('--no-ledger', 'ignore the ledger: default output lengths, uncalibrated approximations')
    .addOption(
      new Option(
        '--tag <key=value>',
        'learn output lengths only from ledger calls with this tag (repeatable)',
      ).argParser(parseTag),
    )
    .addOption(
      new Option(
        '--since <date>',
        'learn from ledger calls since this date (default: 90 days before --at)',
      ).argParser(parseInstant('--since')),
    )
    .addOption(atOption())
    .addOption(
      new Option(
        '--workers <n>',
        'counting threads: auto (default) or a number; 0 counts in the main thread',
      ).argParser(parseWorkers),
    )
    .addOption(jsonOption())
    .addOption(pricesOption())
    .action(async (file: string, options: EstimateOptions) => {
      const table = tableFromOptions(options)
      if (options.provider !== undefined && !table.provider(options.provider))
        throw unknownProviderError(table, options.provider)
      if (options.model !== undefined) {
        const known =
          options.provider !== undefined
            ? table.resolveModel(options.provider, options.model) !== null
            : table.servingProviders(options.model).length > 0
        if (!known) throw unknownModelError(table, options.model, options.provider)
      }
      const kind = fileKind(file)
      if (kind !== 'file') {
        throw new TokenledgerError('FLAG_INVALID', `FILE: cannot read "${file}": ${kind}`)
      }
      const system = options.system === undefined ? undefined : readSystem(options.system)
      const ledger = options.ledger ? await openLedger(options.db) : null
      const progress = process.stderr.isTTY
        ? new cliProgress.SingleBar(
            {
              stream: process.stderr,
              format: 'estimating [{bar}] {percentage}% | {requests} requests | {skipped} skipped',
              hideCursor: true,
              clearOnComplete: true,
            },
            cliProgress.Presets.shades_classic,
          )
        : null
      let estimate: BatchEstimate
      try {
        progress?.start(100, 0, { requests: '0', skipped: '0' })
        estimate = await estimateBatch({
          file,
          table,
          ...(options.model !== undefined ? { model: options.model } : {}),
          ...(system !== undefined ? { system } : {}),
          ...(options.provider !== undefined ? { provider: options.provider } : {}),
          batchOnly: options.batch ?? false,
          ...(options.at !== undefined ? { at: options.at } : {}),
          ledger: ledger?.source ?? null,
          history: {
            ...(options.since ? { since: options.since } : {}),
            ...(options.tag ? { tags: options.tag } : {}),
          },
          ...(options.workers !== undefined ? { workers: options.workers } : {}),
          onProgress: (step) =>
            progress?.update(
              step.totalBytes === 0 ? 100 : Math.floor((step.bytesRead / step.totalBytes) * 100),
              {
                requests: formatTokens(step.requests),
                skipped: formatTokens(step.skipped),
              },
            ),
        })
      } finally {
        progress?.stop()
        await ledger?.store.close()
      }
      if (ledger?.note) process.stderr.write(`${ledger.note}\n`)
      // Zero requests is a result worth a word: an empty file, or nothing but blank lines.
      if (estimate.requests === 0 && estimate.skipped === 0) {
        process.stderr.write(
          `warning: ${file} holds no requests (${statSync(file).size === 0 ? 'the file is empty' : 'only blank lines'})\n`,
        )
      }
      if (options.json) printJson(estimate)
      else process.stdout.write(`${renderEstimate(estimate)}\n`)
      if (estimate.problems.length > 0 && !options.json) {
        const shown = estimate.problems
          .slice(0, PRINTED_PROBLEMS)
          .map((problem) => `skipped ${problem.message}`)
        if (estimate.skipped > shown.length)
          shown.push(
            `... ${estimate.skipped - shown.length} more skipped line(s); --json lists up to 1,000`,
          )
        process.stderr.write(`${shown.join('\n')}\n`)
      }
      const exitCode = estimate.models.some((model) => !model.known)
        ? EXIT_UNKNOWN_MODEL
        : estimate.skipped > 0
          ? EXIT_LINES_SKIPPED
          : 0
      if (exitCode !== 0) throw new CliExit(exitCode)
    })
}

function readSystem(path: string): string {
  try {
    return readFileSync(path, 'utf8').replace(/\r?\n$/, '')
  } catch (error) {
    throw new TokenledgerError(
      'FLAG_INVALID',
      `--system: cannot read "${path}": ${(error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (error as Error).message}`,
    )
  }
}

/**
 * The ledger, opened read-only. An explicit --db must open; the default one ($TOKENLEDGER_DB or
 * ./tokenledger.db) is used when present, and its absence only means default output lengths.
 */
async function openLedger(
  db: string | undefined,
): Promise<{ store: LedgerStore; source: LedgerHistorySource; note?: string } | null> {
  if (db !== undefined) {
    const store = await openStore(db, { readOnly: true })
    return { store, source: store }
  }
  const url = defaultStoreUrl()
  if (!/^postgres(ql)?:/.test(url) && !existsSync(url.replace(/^sqlite:/, ''))) return null
  try {
    const store = await openStore(url, { readOnly: true })
    return { store, source: store }
  } catch (error) {
    process.stderr.write(
      `note: ledger ${url} not used (${(error as Error).message}): default output lengths\n`,
    )
    return null
  }
}

/** The table view: a summary, one row per provider x option, the cache effect as its own lines. */
export function renderEstimate(estimate: BatchEstimate): string {
  const lines: string[] = []
  const skipped = estimate.skipped > 0 ? ` (${formatTokens(estimate.skipped)} line(s) skipped)` : ''
  lines.push(
    `${estimate.file}: ${formatTokens(estimate.requests)} requests${skipped}, ${formatTokens(estimate.inputTokens)} input tokens`,
  )
  lines.push(
    `output tokens: low ${formatTokens(estimate.output.low)}, expected ${formatTokens(estimate.output.expected)}, high ${formatTokens(estimate.output.high)}`,
  )
  lines.push(`prices at ${estimate.at}`)
  for (const model of estimate.models) {
    lines.push(
      `${model.model}: ${formatTokens(model.requests)} requests, ${formatTokens(model.inputTokens)} input tokens`,
    )
    for (const note of model.notes) lines.push(`  ${note}`)
  }
  if (estimate.providers.length > 0) {
    lines.push(
      renderTable<ProviderEstimate>(estimate.providers, [
        { header: 'provider', value: (row) => row.provider },
        { header: 'model', value: (row) => row.model },
        { header: 'option', value: (row) => row.option },
        { header: 'low', value: (row) => formatUsd(row.cost?.low ?? null), align: 'right' },
        {
          header: 'expected',
          value: (row) => formatUsd(row.cost?.expected ?? null),
          align: 'right',
        },
        { header: 'high', value: (row) => formatUsd(row.cost?.high ?? null), align: 'right' },
      ]),
    )
  }
  for (const row of estimate.providers) {
    const effect = row.cacheEffect
    if (effect.policy === 'automatic' && effect.savings !== null && effect.cachedTokens > 0) {
      lines.push(
        `prefix cache, ${row.provider} ${row.option}: expected ${formatUsd(effect.expectedWithCache)} if ${formatTokens(effect.cachedTokens)} shared-prefix tokens hit the cache (saves ${formatUsd(effect.savings)}; ${effect.note})`,
      )
    } else if (effect.policy === 'explicit') {
      lines.push(`prefix cache, ${row.provider} ${row.option}: ${effect.note}`)
    }
  }
  for (const row of estimate.providers)
    for (const note of row.notes) lines.push(`${row.provider} ${row.option}: ${note}`)
  for (const note of estimate.notes) lines.push(note)
  return lines.join('\n')
}
