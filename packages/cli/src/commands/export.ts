import { createWriteStream } from 'node:fs'
import { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { Command, InvalidArgumentError, Option } from 'commander'
import { EXPORT_FORMATS, exportCalls, type ExportFormat } from '@tokenledger/dashboard'
import { openStore, type CallFilterQuery, type CallStatus } from '@tokenledger/store'
import { dbOption, sinceOption, untilOption } from '../shared-flags.js'

interface ExportOptions {
  db?: string
  since?: Date
  until?: Date
  provider?: string
  model?: string
  tag?: Record<string, string>
  status?: CallStatus
  priced?: 'yes' | 'no'
  format: ExportFormat
  output?: string
}

/** `--tag KEY=VALUE`, repeatable: every listed tag must match. */
function parseTag(value: string, previous: Record<string, string> | undefined) {
  const at = value.indexOf('=')
  if (at <= 0 || at === value.length - 1) {
    throw new InvalidArgumentError(`--tag: expected KEY=VALUE (e.g. team=search), got "${value}"`)
  }
  const key = value.slice(0, at)
  const tags = { ...previous }
  if (key in tags && tags[key] !== value.slice(at + 1)) {
    throw new InvalidArgumentError(`--tag: key "${key}" given twice with different values`)
  }
  tags[key] = value.slice(at + 1)
  return tags
}

/**
 * `tokenledger export`: every call of the ledger (or of a period and filters) as CSV or NDJSON,
 * oldest first, streamed page by page, so a ledger of millions of calls exports in flat memory.
 * Same columns as the dashboard's calls CSV.
 */
export function exportCommand(): Command {
  return new Command('export')
    .description('write every call (of a period and filters) as CSV or NDJSON, streamed')
    .addOption(dbOption())
    .addOption(sinceOption())
    .addOption(untilOption())
    .option('--provider <id>', 'only calls to this provider')
    .option('--model <id>', 'only calls of this canonical model')
    .addOption(
      new Option('--tag <key=value>', 'only calls with this tag (repeatable)').argParser(parseTag),
    )
    .addOption(
      new Option('--status <status>', 'only calls that ended so').choices([
        'ok',
        'error',
        'aborted',
      ]),
    )
    .addOption(
      new Option('--priced <yes|no>', 'only priced (yes) or unpriced (no) calls').choices([
        'yes',
        'no',
      ]),
    )
    .addOption(
      new Option('--format <format>', 'output format').choices(EXPORT_FORMATS).default('csv'),
    )
    .option('-o, --output <file>', 'write to this file instead of stdout')
    .action(async (options: ExportOptions) => {
      const query: CallFilterQuery = {}
      if (options.since) query.since = options.since
      if (options.until) query.until = options.until
      if (options.provider !== undefined) query.provider = options.provider
      if (options.model !== undefined) query.model = options.model
      if (options.tag !== undefined) query.tags = options.tag
      if (options.status !== undefined) query.status = options.status
      if (options.priced !== undefined) query.priced = options.priced === 'yes'
      const store = await openStore(options.db, { readOnly: true })
      const out = options.output === undefined ? process.stdout : createWriteStream(options.output)
      try {
        // pipeline waits for the destination to drain before it reads the next page.
        await pipeline(Readable.from(exportCalls(store, query, options.format)), out)
      } catch (error) {
        // A closed pipe (`| head`) ends the export quietly; any other failure is reported.
        if ((error as NodeJS.ErrnoException).code !== 'EPIPE') throw error
      } finally {
        await store.close()
      }
    })
}
