import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { callRecord } from '@tokenledger/store/testing'
import { createTestLedger, type TestLedger } from './__fixtures__/test-ledger.js'
import { createDashboardApp } from './app.js'
import { hostnameOf, isLoopbackHost } from './host-check.js'

describe('host names', () => {
  it('knows loopback names and reads Host headers', () => {
    for (const name of [
      'localhost',
      'LOCALHOST.',
      'app.localhost',
      '127.0.0.1',
      '127.1.2.3',
      '::1',
    ]) {
      expect(isLoopbackHost(name), name).toBe(true)
    }
    for (const name of [
      'evil.example',
      'localhost.evil.example',
      '128.0.0.1',
      '127.0.0.256',
      '0.0.0.0',
      '::',
    ]) {
      expect(isLoopbackHost(name), name).toBe(false)
    }
    expect(hostnameOf('[::1]:8787')).toBe('::1')
    expect(hostnameOf('Localhost:8787')).toBe('localhost')
    expect(hostnameOf('a b')).toBeNull()
    expect(hostnameOf('user@evil.example')).toBeNull()
  })
})

describe('DNS rebinding guard (item 16)', () => {
  let ledger: TestLedger
  beforeAll(async () => {
    ledger = await createTestLedger('sqlite', [callRecord('a')])
  })
  afterAll(async () => ledger?.cleanup())

  const status = async (app: ReturnType<typeof createDashboardApp>, host: string, headers = {}) =>
    (await app.request('http://127.0.0.1/api/overview?range=7d', { headers: { host, ...headers } }))
      .status

  it('without a token answers only loopback Host names and the allowed ones', async () => {
    const app = createDashboardApp({ store: ledger.store, allowedHosts: ['ledger.internal'] })
    for (const host of ['127.0.0.1:8787', 'localhost:8787', '[::1]:8787', 'ledger.internal']) {
      expect(await status(app, host), host).toBe(200)
    }
    for (const host of [
      'evil.example',
      'evil.example:8787',
      '127.0.0.1.nip.io',
      '192.168.1.5:8787',
    ]) {
      expect(await status(app, host), host).toBe(421)
    }
    const page = await app.request('http://127.0.0.1/', { headers: { host: 'evil.example' } })
    expect(page.status).toBe(421)
    expect(await page.text()).toMatch(/not a loopback name/)
  })

  it('with a token leaves any Host name to the token check', async () => {
    const app = createDashboardApp({ store: ledger.store, token: 'secret-token-1' })
    expect(await status(app, 'dash.example.com')).toBe(401)
    expect(await status(app, 'dash.example.com', { authorization: 'Bearer secret-token-1' })).toBe(
      200,
    )
  })
})
