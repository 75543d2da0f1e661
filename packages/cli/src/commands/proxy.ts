import { Command, InvalidArgumentError, Option } from 'commander'
import { tableFromOptions } from '../pricing-table-option.js'
import {
  hostOption,
  listenError,
  portOption,
  resolveToken,
  tokenOption,
  untilStopped,
} from '../server-flags.js'
import { dbOption, pricesOption } from '../shared-flags.js'

interface ProxyOptions {
  db?: string
  host: string
  port: number
  token?: string
  budgets?: string
  upstream?: string[]
  maxBody: number
  prices?: string[]
}

function parseBytes(value: string): number {
  if (!/^\d{1,10}$/.test(value) || Number(value) < 1024) {
    throw new InvalidArgumentError(`--max-body: expected a number of bytes >= 1024, got "${value}"`)
  }
  return Number(value)
}

/**
 * `tokenledger proxy`: an OpenAI-compatible metering gateway. `/<upstream>/...` is forwarded to a
 * configured upstream and every call recorded in the ledger, checked against the budgets of
 * `--budgets FILE` before it is sent. Binds 127.0.0.1 unless told otherwise; another host needs
 * `--token` (or TOKENLEDGER_PROXY_TOKEN). Runs until SIGINT / SIGTERM, then writes every record.
 */
export function proxyCommand(): Command {
  return new Command('proxy')
    .description('metering gateway for any language: forward /<provider>/... and record every call')
    .addOption(dbOption())
    .addOption(hostOption())
    .addOption(portOption(8788))
    .addOption(
      tokenOption('clients must send it in x-tokenledger-token', 'TOKENLEDGER_PROXY_TOKEN'),
    )
    .addOption(
      new Option('--budgets <file>', 'budgets file (JSON): checked before each call is sent'),
    )
    .addOption(
      new Option(
        '--upstream <NAME=URL>',
        'point a provider at another base URL, or add NAME:PROVIDER=URL; repeatable',
      ).argParser((value: string, previous: string[] | undefined) => [...(previous ?? []), value]),
    )
    .addOption(
      new Option('--max-body <bytes>', 'largest request body accepted')
        .default(32 * 1024 * 1024)
        .argParser(parseBytes),
    )
    .addOption(pricesOption())
    .action(async (options: ProxyOptions) => {
      const token = resolveToken(options.token, 'TOKENLEDGER_PROXY_TOKEN')
      const prices = tableFromOptions(options)
      // Loaded on demand: the server stack costs every other command startup time.
      const { startProxy } = await import('@tokenledger/proxy')
      let lastReport = 0
      const proxy = await startProxy({
        ...(options.db !== undefined ? { db: options.db } : {}),
        host: options.host,
        port: options.port,
        ...(token !== undefined ? { token } : {}),
        ...(options.budgets !== undefined ? { budgets: options.budgets } : {}),
        upstreams: options.upstream ?? [],
        maxBodyBytes: options.maxBody,
        prices,
        onError: (error, context) => {
          // Warn budgets and ledger trouble, at most a few lines a second; never request headers.
          const now = Date.now()
          if (context.phase !== 'budget' && now - lastReport < 200) return
          lastReport = now
          process.stderr.write(
            `proxy (${context.phase}): ${error instanceof Error ? error.message : String(error)}\n`,
          )
        },
      }).catch((error: unknown) => {
        throw listenError(error, options) ?? error
      })
      process.stdout.write(
        `tokenledger proxy: ${proxy.url}/<upstream>/... (upstreams: ${[...proxy.upstreams.keys()].sort().join(', ')})\n`,
      )
      process.stderr.write('(Ctrl+C to stop)\n')
      await untilStopped()
      await proxy.close()
    })
}
