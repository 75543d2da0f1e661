/**
 * The access token: bearer header, `?token=` (page visits get a session cookie and a redirect that
 * drops the token from the URL), or the cookie; anything else is 401.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createTestLedger, type TestLedger } from './__fixtures__/test-ledger.js'
import { NOW, testRecords } from './__fixtures__/reference.js'
import { createDashboardApp } from './app.js'
import { SESSION_COOKIE, safeEqual } from './auth.js'

const TOKEN = 'correct-horse-battery-staple'

describe('dashboard token', () => {
  let ledger: TestLedger
  let app: ReturnType<typeof createDashboardApp>
  beforeAll(async () => {
    ledger = await createTestLedger('sqlite', testRecords().slice(0, 20))
    app = createDashboardApp({ store: ledger.store, token: TOKEN, now: () => NOW })
  })
  afterAll(async () => {
    await ledger?.cleanup()
  })

  it.each([
    '/',
    '/calls',
    '/api/overview',
    '/api/series',
    '/api/breakdown',
    '/api/calls',
    '/api/csv/calls',
    '/static/dashboard.js',
  ])('%s without a token is 401', async (path) => {
    const response = await app.request(path)
    expect(response.status).toBe(401)
    expect(response.headers.get('www-authenticate')).toBe('Bearer realm="tokenledger"')
  })

  it('a wrong token is 401 however it is sent', async () => {
    expect(
      (await app.request('/api/overview', { headers: { Authorization: 'Bearer nope-nope-nope' } }))
        .status,
    ).toBe(401)
    expect(
      (await app.request(`/api/overview`, { headers: { Authorization: `Bearer ${TOKEN}x` } }))
        .status,
    ).toBe(401)
    expect(
      (await app.request(`/api/overview`, { headers: { Authorization: `Basic ${TOKEN}` } })).status,
    ).toBe(401)
    expect((await app.request('/api/overview?token=nope-nope-nope')).status).toBe(401)
    expect((await app.request('/?token=')).status).toBe(401)
    expect(
      (await app.request('/', { headers: { Cookie: `${SESSION_COOKIE}=forged` } })).status,
    ).toBe(401)
    // The cookie holds a derived value, never the token itself.
    expect(
      (await app.request('/', { headers: { Cookie: `${SESSION_COOKIE}=${TOKEN}` } })).status,
    ).toBe(401)
    const body = (await (await app.request('/api/overview')).json()) as { error: string }
    expect(body.error).toMatch(
      /a token is required: send Authorization: Bearer <token> or \?token=<token>/,
    )
  })

  it('accepts the bearer token and ?token= on the API', async () => {
    expect(
      (await app.request('/api/overview', { headers: { Authorization: `Bearer ${TOKEN}` } }))
        .status,
    ).toBe(200)
    expect((await app.request(`/api/overview?range=7d&token=${TOKEN}`)).status).toBe(200)
  })

  it('a page visit with ?token= sets a session cookie and redirects to the URL without it', async () => {
    const response = await app.request(`/calls?range=7d&token=${TOKEN}&provider=deepseek`)
    expect(response.status).toBe(303)
    expect(response.headers.get('location')).toBe('/calls?range=7d&provider=deepseek')
    const cookie = response.headers.get('set-cookie')!
    expect(cookie).toMatch(
      new RegExp(`^${SESSION_COOKIE}=[A-Za-z0-9_-]+; Path=/; HttpOnly; SameSite=Strict$`),
    )
    expect(cookie).not.toContain(TOKEN)
    const session = cookie.split(';')[0]!
    const page = await app.request('/calls?range=7d&provider=deepseek', {
      headers: { Cookie: session },
    })
    expect(page.status).toBe(200)
    expect(await page.text()).toContain('<h1>Calls</h1>')
    const api = await app.request('/api/calls?range=30d', { headers: { Cookie: session } })
    expect(api.status).toBe(200)
  })

  it('compares in constant time over hashes, so lengths do not matter', () => {
    expect(safeEqual(TOKEN, TOKEN)).toBe(true)
    expect(safeEqual(TOKEN, `${TOKEN}!`)).toBe(false)
    expect(safeEqual('', TOKEN)).toBe(false)
  })
})
