/**
 * Serves the dashboard over HTTP with @hono/node-server: opens the ledger read-only (a SQLite
 * ledger's queries on read threads, off the event loop), binds 127.0.0.1 by default, and returns
 * the URL and a `close()` that stops the server and the store.
 * @module
 */
import type { AddressInfo } from 'node:net'
import { serve, type ServerType } from '@hono/node-server'
import { type PricingTable, TokenledgerError } from '@tokenledger/pricing'
import { openStore, type LedgerStore } from '@tokenledger/store'
import { createDashboardApp } from './app.js'
import { isLoopbackHost } from './host-check.js'

/** Options of `startDashboard`. */
export interface StartDashboardOptions {
  /** Store URL (`sqlite:PATH`, a bare path, `postgres://...`). @default process.env.TOKENLEDGER_DB ?? './tokenledger.db' */
  db?: string
  /** Interface to bind. Anything but loopback exposes the ledger to the network, so it needs a token. @default '127.0.0.1' */
  host?: string
  /** TCP port; 0 picks a free one. @default 8787 */
  port?: number
  /** Required access token. @default process.env.TOKENLEDGER_DASHBOARD_TOKEN (none when unset; set but empty is an error) */
  token?: string
  /** Host names answered besides loopback ones when there is no token (see host-check.ts). */
  allowedHosts?: readonly string[]
  pricing?: PricingTable
  /** Told about unexpected request errors. @default no-op */
  onError?: (error: unknown) => void
  /** Keep answers about past hours for a minute (see createDashboardApp). @default true */
  cache?: boolean
}

/** A running dashboard. */
export interface RunningDashboard {
  /** Base URL, e.g. `http://127.0.0.1:8787/`. */
  url: string
  /** The URL to open in a browser: with `?token=` when a token is required. */
  openUrl: string
  store: LedgerStore
  /** Stops accepting connections, then closes the store. */
  close(): Promise<void>
}

function urlHost(host: string): string {
  return host.includes(':') ? `[${host}]` : host
}

/**
 * Opens the ledger read-only and serves the dashboard.
 * @throws TokenledgerError STORE_UNAVAILABLE when the ledger cannot be opened (missing file, no
 *   schema); DRIVER_MISSING when its driver is not installed
 * @throws TokenledgerError OPTION_INVALID for a bad port or token, an empty TOKENLEDGER_DASHBOARD_TOKEN, or a non-loopback
 *   host without a token
 * @example const { url, close } = await startDashboard({ db: 'sqlite:./tokenledger.db', port: 0 })
 */
export async function startDashboard(
  options: StartDashboardOptions = {},
): Promise<RunningDashboard> {
  const { host = '127.0.0.1', port = 8787 } = options
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new TokenledgerError(
      'OPTION_INVALID',
      `startDashboard: option port: expected an integer 0..65535, got ${String(port)}`,
    )
  }
  const envToken = process.env['TOKENLEDGER_DASHBOARD_TOKEN']
  if (options.token === undefined && envToken === '') {
    throw new TokenledgerError(
      'OPTION_INVALID',
      'startDashboard: TOKENLEDGER_DASHBOARD_TOKEN is set but empty; unset it or give a token of at least 8 characters',
    )
  }
  const token = options.token ?? envToken
  if (token === undefined && !isLoopbackHost(host.replace(/^\[|\]$/g, ''))) {
    throw new TokenledgerError(
      'OPTION_INVALID',
      `startDashboard: option host: ${host} is not a loopback address, and without a token anyone who can reach it could read the ledger; set a token (TOKENLEDGER_DASHBOARD_TOKEN) or bind 127.0.0.1`,
    )
  }
  // Queries run on worker threads (SQLite): a slow one never holds up the other requests.
  const store = await openStore(options.db, { readOnly: true, readThread: 'worker' })
  let server: ServerType
  try {
    const app = createDashboardApp({
      store,
      token,
      allowedHosts: options.allowedHosts,
      pricing: options.pricing,
      onError: options.onError,
      ...(options.cache === undefined ? {} : { cache: options.cache }),
    })
    server = await new Promise<ServerType>((resolve, reject) => {
      const started = serve({ fetch: app.fetch, hostname: host, port }, () => resolve(started))
      started.once('error', reject)
    })
  } catch (error) {
    await store.close()
    throw error
  }
  const address = server.address() as AddressInfo
  const url = `http://${urlHost(host === '0.0.0.0' || host === '::' ? host : address.address)}:${address.port}/`
  return {
    url,
    openUrl: token === undefined ? url : `${url}?token=${encodeURIComponent(token)}`,
    store,
    close: () =>
      new Promise<void>((resolve, reject) => {
        // Idle keep-alive sockets (a browser's) would hold close() open; drop them.
        const closable = server as ServerType & { closeAllConnections?: () => void }
        server.close((error) => (error ? reject(error) : resolve()))
        closable.closeAllConnections?.()
      }).finally(() => store.close()),
  }
}
