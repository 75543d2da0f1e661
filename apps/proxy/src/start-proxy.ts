/**
 * Starts `tokenledger proxy`: opens the ledger, sets up the meter (and the budgets of a budgets
 * file), and serves the proxy app with @hono/node-server (upstreams over node:http). Binds 127.0.0.1 by default and refuses
 * any other address without a token. Many instances behind a load balancer can share one
 * PostgreSQL ledger: records and budget reservations both live there.
 * @module
 */
import type { AddressInfo } from 'node:net'
import { serve, type ServerType } from '@hono/node-server'
import {
  type BudgetGuard,
  type BudgetsConfig,
  createBudgetGuard,
  loadBudgetsFile,
} from '@tokenledger/budget'
import { createMeter, type Meter, type OnMeterError } from '@tokenledger/meter'
import { defaultPricingTable, type PricingTable, TokenledgerError } from '@tokenledger/pricing'
import { type LedgerStore, openStore, openWhenFree } from '@tokenledger/store'
import { isLoopback } from './access.js'
import { type PromptCounterThread, startPromptCounter } from './prompt-counter-thread.js'
import { createProxyApp, type ProxyApp } from './proxy-app.js'
import { resolveUpstreams, type Upstream } from './upstreams.js'

/** Options of `startProxy`. */
export interface StartProxyOptions {
  /** Store URL. @default process.env.TOKENLEDGER_DB ?? './tokenledger.db' */
  db?: string
  /** @default '127.0.0.1' */
  host?: string
  /** 0 picks a free port. @default 8788 */
  port?: number
  /** Required of clients in `x-tokenledger-token`; mandatory for a non-loopback host. */
  token?: string
  /** A budgets file (JSON), or a budgets configuration. */
  budgets?: string | BudgetsConfig
  /** `--upstream` flags: `NAME=URL` or `NAME:PROVIDER=URL`. */
  upstreams?: readonly string[]
  prices?: PricingTable
  /** @default 33554432 */
  maxBodyBytes?: number
  /** Failures of the meter, the budgets and the proxy (never with credentials). @default no-op */
  onError?: (error: unknown, context: { phase: string }) => void
  /** Meter tuning (tests and benchmarks). */
  meter?: { flushIntervalMs?: number; batchSize?: number; maxQueue?: number }
}

/** A running proxy. */
export interface RunningProxy {
  /** e.g. `http://127.0.0.1:8788` (no trailing slash). */
  url: string
  upstreams: ReadonlyMap<string, Upstream>
  meter: Meter
  store: LedgerStore
  /** Stops accepting requests, waits for those in flight, writes every record, closes the ledger. */
  close(): Promise<void>
}

/**
 * Starts the proxy.
 * @throws TokenledgerError FLAG_INVALID (bad upstream, non-loopback host without a token, bad
 *   port), BUDGET_INVALID (budgets file), STORE_UNAVAILABLE (ledger).
 * @example const proxy = await startProxy({ db: 'sqlite:./tokenledger.db', port: 0 })
 */
export async function startProxy(options: StartProxyOptions = {}): Promise<RunningProxy> {
  const host = options.host ?? '127.0.0.1'
  const port = options.port ?? 8788
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new TokenledgerError(
      'FLAG_INVALID',
      `--port: expected an integer 0..65535, got ${String(port)}`,
    )
  }
  if (!isLoopback(host) && (options.token === undefined || options.token === '')) {
    throw new TokenledgerError(
      'FLAG_INVALID',
      `--host ${host}: a proxy reachable beyond this machine needs --token (clients send it in x-tokenledger-token); refusing to start`,
    )
  }
  if (options.token !== undefined && (options.token.length < 16 || /\s/.test(options.token))) {
    throw new TokenledgerError(
      'FLAG_INVALID',
      '--token: expected at least 16 characters without spaces',
    )
  }
  const prices = options.prices ?? defaultPricingTable()
  const upstreams = resolveUpstreams(prices, options.upstreams)
  const config =
    typeof options.budgets === 'string' ? await loadBudgetsFile(options.budgets) : options.budgets
  const report = options.onError ?? (() => {})
  // Records are written on a worker thread (SQLite), as the meter's own store does, waiting up to
  // 2 s (the meter's default) for another writer's lock; budget checks on the caller's connection
  // never wait inside SQLite (they retry without blocking). Opening waits for a busy ledger.
  const store = await openWhenFree(() =>
    openStore(options.db, { busyTimeoutMs: 2000, writeThread: 'worker' }),
  )
  let guard: BudgetGuard | undefined
  let counter: PromptCounterThread | undefined
  let meter: Meter
  let server: ServerType
  let proxy: ProxyApp
  try {
    if (config) {
      counter = startPromptCounter({ onError: (error) => report(error, { phase: 'budget' }) })
      guard = createBudgetGuard({
        ...config,
        store,
        prices,
        // Big prompts near a limit are judged on their counted size, not their byte size.
        countPromptTokens: counter.count,
        where: typeof options.budgets === 'string' ? options.budgets : 'budgets',
        onError: (error, context) => report(error, context),
      })
    }
    const onMeterError: OnMeterError = (error, context) => report(error, context)
    meter = createMeter({
      store,
      prices,
      onError: onMeterError,
      // The proxy flushes in close(), from its own signal handlers.
      flushOnExit: false,
      ...(guard ? { budgets: guard } : {}),
      ...options.meter,
    })
    proxy = createProxyApp({
      meter,
      upstreams,
      ...(options.token !== undefined ? { token: options.token } : {}),
      ...(options.maxBodyBytes !== undefined ? { maxBodyBytes: options.maxBodyBytes } : {}),
      onError: (error) => report(error, { phase: 'proxy' }),
    })
    server = await new Promise<ServerType>((resolve, reject) => {
      const started = serve(
        { fetch: proxy.app.fetch, hostname: host, port, overrideGlobalObjects: false },
        () => resolve(started),
      )
      started.once('error', reject)
    })
  } catch (error) {
    await counter?.close()
    await store.close()
    throw error
  }
  const address = server.address() as AddressInfo
  const shown = address.family === 'IPv6' ? `[${address.address}]` : address.address
  let closing: Promise<void> | null = null
  return {
    url: `http://${shown}:${address.port}`,
    upstreams,
    meter,
    store,
    close() {
      closing ??= (async () => {
        await new Promise<void>((resolve) => {
          server.close(() => resolve())
          // Idle keep-alive connections would hold close() open; requests in flight may finish.
          const http = server as {
            closeIdleConnections?: () => void
            closeAllConnections?: () => void
          }
          http.closeIdleConnections?.()
          setTimeout(() => http.closeAllConnections?.(), 10_000).unref()
        })
        proxy.closeUpstreams()
        await meter.close()
        await counter?.close()
        await store.close()
      })()
      return closing
    },
  }
}
