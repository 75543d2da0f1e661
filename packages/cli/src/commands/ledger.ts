import { Command, InvalidArgumentError, Option } from 'commander'
import { MAX_ROLLUP_TAG_KEYS, openStore, type TagRollupKey } from '@tokenledger/store'
import { CliExit } from '../cli-exit.js'
import { formatTokens } from '../render/format.js'
import { printJson } from '../render/output.js'
import { dbOption, jsonOption } from '../shared-flags.js'

interface RollupTagsOptions {
  db?: string
  none?: boolean
  json?: boolean
}

/** `team,user`: a comma-separated list of tag keys, none empty or repeated. */
function parseKeys(value: string): string[] {
  const keys = value.split(',').map((key) => key.trim())
  const seen = new Set<string>()
  for (const [i, key] of keys.entries()) {
    if (key === '') {
      throw new InvalidArgumentError(
        `keys: entry ${i + 1} of "${value}" is empty; expected tag keys separated by commas (e.g. team,user)`,
      )
    }
    if (seen.has(key)) throw new InvalidArgumentError(`keys: "${key}" is listed twice`)
    seen.add(key)
  }
  return keys
}

function describeKey(key: TagRollupKey): string {
  return key.complete
    ? `${key.key}  complete`
    : `${key.key}  backfilling: calls before ${key.backfilledUntil} are in (run the command again to finish)`
}

/**
 * `tokenledger ledger rollup-tags [KEYS]`: shows or sets the tag keys the ledger keeps hourly and
 * daily rollups of, so that spend by those tags (the dashboard's tag view, `report --by tag:KEY`,
 * tag filters) reads thousands of rollup rows instead of every call of the period. Setting the
 * list backfills the new keys from the stored calls, in chunks (one write transaction each, so the
 * meter never waits long), with progress on stderr; keys left out lose their rollups.
 */
function rollupTagsCommand(): Command {
  return new Command('rollup-tags')
    .description('show, or set (replacing the list), the tag keys the ledger rolls up')
    .argument(
      '[keys]',
      `tag keys separated by commas, e.g. team,user (at most ${MAX_ROLLUP_TAG_KEYS})`,
      parseKeys,
    )
    .addOption(dbOption())
    .addOption(new Option('--none', 'roll up no tag key (drops every tag rollup)'))
    .addOption(jsonOption())
    .action(async (keys: string[] | undefined, options: RollupTagsOptions) => {
      if (keys !== undefined && options.none) {
        throw new CliExit(1, 'error: give either tag keys or --none, not both')
      }
      const setting = options.none ? [] : keys
      const store = await openStore(options.db, { readOnly: setting === undefined })
      try {
        let result: TagRollupKey[]
        if (setting === undefined) {
          result = await store.tagRollupKeys()
        } else {
          result = await store.setTagRollupKeys(setting, {
            onProgress: (p) => {
              if (options.json) return
              process.stderr.write(
                `backfilling ${p.key}: ${formatTokens(p.calls)} of ${formatTokens(p.total)} calls${p.complete ? ', done' : ''}\n`,
              )
            },
          })
        }
        if (options.json) return printJson(result)
        if (result.length === 0) {
          process.stdout.write(
            'no tag key is rolled up: tag filters and groups read the raw calls (set some with `tokenledger ledger rollup-tags team,user`)\n',
          )
          return
        }
        process.stdout.write(
          `rolled-up tag keys:\n${result.map((k) => `  ${describeKey(k)}`).join('\n')}\n`,
        )
      } finally {
        await store.close()
      }
    })
}

/** `tokenledger ledger`: settings of the ledger itself. */
export function ledgerCommand(): Command {
  return new Command('ledger')
    .description('settings of the ledger (tag rollups)')
    .addCommand(rollupTagsCommand())
}
