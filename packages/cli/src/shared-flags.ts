import { InvalidArgumentError, Option } from 'commander'
import { readInstant } from '@tokenledger/pricing'

/** `--db URL`: the ledger; TOKENLEDGER_DB is the default. */
export const dbOption = () =>
  new Option(
    '--db <url>',
    'ledger: sqlite:PATH, a file path, or postgres://... (default: $TOKENLEDGER_DB or ./tokenledger.db)',
  )

export const jsonOption = () => new Option('--json', 'print JSON (only JSON on stdout)')
export const csvOption = () => new Option('--csv', 'print CSV').conflicts('json')

/** `--prices FILE`: a price override file merged over the bundled table (repeatable). */
export const pricesOption = () =>
  new Option(
    '--prices <file>',
    'price override file (same schema as pricing/*.json); repeatable; also $TOKENLEDGER_PRICES',
  ).argParser((value: string, previous: string[] | undefined) => [...(previous ?? []), value])

/**
 * Parses a date or date-time for --at / --since / --until with the one strict parser of
 * @tokenledger/pricing: a date-time without a zone is UTC; 2026-02-30 and trailing junk are errors.
 */
export function parseInstant(flag: string) {
  return (value: string): Date => {
    const result = readInstant(value)
    if (!result.ok) throw new InvalidArgumentError(`${flag}: ${result.problem}`)
    return result.date
  }
}

export const atOption = () =>
  new Option('--at <date>', 'the instant to price at, UTC (default: now)').argParser(
    parseInstant('--at'),
  )
export const sinceOption = () =>
  new Option('--since <date>', 'from this date/time, inclusive (UTC)').argParser(
    parseInstant('--since'),
  )
export const untilOption = () =>
  new Option('--until <date>', 'until this date/time, exclusive (UTC)').argParser(
    parseInstant('--until'),
  )

/** Parses a token count: a non-negative safe integer (underscores and commas allowed as separators). */
export function parseTokenCount(flag: string) {
  return (value: string): number => {
    const cleaned = value.replace(/[_,]/g, '')
    if (!/^\d+$/.test(cleaned) || !Number.isSafeInteger(Number(cleaned))) {
      throw new InvalidArgumentError(
        `${flag}: expected a non-negative whole number of tokens, got "${value}"`,
      )
    }
    return Number(cleaned)
  }
}

/** Output format chosen by --json / --csv; a table otherwise. */
export type OutputFormat = 'table' | 'json' | 'csv'

export function outputFormat(options: { json?: boolean; csv?: boolean }): OutputFormat {
  return options.json ? 'json' : options.csv ? 'csv' : 'table'
}
