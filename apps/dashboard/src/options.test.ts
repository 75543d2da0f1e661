import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { isTokenledgerError } from '@tokenledger/pricing'
import { type LedgerStore, openStore } from '@tokenledger/store'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createDashboardApp } from './app.js'
import { generateDemoLedger } from './demo/generate-demo-ledger.js'
import { startDashboard } from './serve.js'

let dir: string
let store: LedgerStore

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'tokenledger-dashboard-options-'))
  store = await openStore(`sqlite:${join(dir, 'ledger.db')}`)
})
afterAll(async () => {
  await store.close()
  rmSync(dir, { recursive: true, force: true })
})

/** The error `run` throws (or rejects with), for assertions on its class, code and message. */
async function thrown(run: () => unknown): Promise<unknown> {
  try {
    await run()
  } catch (error) {
    return error
  }
  throw new Error('expected an error')
}

/** A bad option is an OPTION_INVALID TokenledgerError naming the option, like the meter's. */
async function expectOptionError(run: () => unknown, option: RegExp): Promise<void> {
  const error = await thrown(run)
  expect(isTokenledgerError(error, 'OPTION_INVALID'), String(error)).toBe(true)
  expect((error as Error).message).toMatch(option)
}

describe('the dashboard rejects bad options with TokenledgerError OPTION_INVALID', () => {
  it('createDashboardApp', async () => {
    await expectOptionError(() => createDashboardApp({ store: {} as never }), /option store/)
    await expectOptionError(() => createDashboardApp({ store, token: 'short' }), /option token/)
    await expectOptionError(() => createDashboardApp({ store, token: 'has space' }), /option token/)
    await expectOptionError(() => createDashboardApp({ store, now: 5 as never }), /option now/)
    await expectOptionError(
      () => createDashboardApp({ store, onError: 'log' as never }),
      /option onError/,
    )
  })

  it('startDashboard', async () => {
    await expectOptionError(() => startDashboard({ port: 70_000 }), /option port/)
    await expectOptionError(() => startDashboard({ host: '0.0.0.0' }), /option host/)
  })

  it('generateDemoLedger', async () => {
    await expectOptionError(() => generateDemoLedger({ store, days: 0 }), /option days/)
  })
})
