/**
 * A silent network partition between the meter and PostgreSQL (issue 9, item 3): a local TCP proxy
 * in front of the real server swallows every byte for 5 s, without a reset. Calls go on
 * meanwhile; after the network heals every record lands, `flush()` settles and `close()` returns.
 * Before the fix the batch in flight waited forever, so `flush()` never settled, later records were
 * never written and `close()` hung.
 */
import { createServer, type AddressInfo } from 'node:net'
import { createMeter, type MeterErrorContext } from '@tokenledger/meter'
import { openStore } from '@tokenledger/store'
import { ENGINES } from '@tokenledger/store/testing/engines'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { fixtureJson } from '../packages/meter/src/normalisers/__fixtures__/read-fixture.js'
import { type ReplayServer, startReplayServer } from './helpers/replay-server.js'
import { startSwallowingProxy } from './helpers/swallowing-proxy.js'

const postgres = ENGINES.find((engine) => engine.name === 'postgres')
let server: ReplayServer

beforeAll(async () => {
  server = await startReplayServer({
    'deepseek-v4-flash': { json: fixtureJson('deepseek-chat-cache-hit.json') },
  })
})

afterAll(async () => {
  await server?.close()
})

describe.skipIf(!postgres || postgres.skip !== null)('a silent partition from PostgreSQL', () => {
  it('wedges nothing: calls go on, and after it heals every record lands and close() returns', async () => {
    const fixture = await postgres!.fresh()
    const direct = await openStore(fixture.url)
    const target = new URL(fixture.url)
    const proxy = await startSwallowingProxy({
      host: target.hostname,
      port: Number(target.port || 5432),
    })
    try {
      const viaProxy = new URL(fixture.url)
      viaProxy.host = `127.0.0.1:${proxy.port}`
      const ledger = await openStore(viaProxy.toString(), { postgresTimeoutMs: 1000 })
      const errors: MeterErrorContext[] = []
      const meter = createMeter({
        store: ledger,
        provider: 'deepseek',
        flushIntervalMs: 20,
        retryDelayMs: 50,
        onError: (_error, context) => errors.push(context),
        flushOnExit: false,
      })
      const call = async (i: number) => {
        const response = await meter.fetch(`${server.url}/chat/completions`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({
            model: 'deepseek-v4-flash',
            messages: [{ role: 'user', content: `call ${i}` }],
          }),
        })
        const reply = (await response.json()) as { usage: { prompt_tokens: number } }
        expect(reply.usage.prompt_tokens).toBe(1536)
      }
      const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

      for (let i = 0; i < 20; i++) await call(i)
      await meter.flush()
      expect(meter.stats().written).toBe(20)

      proxy.swallow = true
      // 5 s of partition with calls going on; each call still gets its answer.
      for (let i = 20; i < 70; i++) {
        await call(i)
        await pause(100)
      }
      expect(meter.stats().written).toBe(20)
      proxy.swallow = false

      for (let i = 70; i < 90; i++) await call(i)
      await meter.flush()
      await meter.close()
      await ledger.close()

      expect(meter.stats()).toMatchObject({ queued: 0, written: 90, dropped: 0 })
      expect((await direct.listCalls({ limit: 1, offset: 0 })).total).toBe(90)
      // The partition was noticed and reported, as write failures only.
      expect(errors.length).toBeGreaterThan(0)
      expect(new Set(errors.map((context) => context.phase))).toEqual(new Set(['write']))
    } finally {
      await proxy.close()
      await direct.close()
      await fixture.cleanup()
    }
  }, 60_000)

  it('refused (nothing listens): calls go on, and the records land once the server is there', async () => {
    const fixture = await postgres!.fresh()
    const direct = await openStore(fixture.url)
    const target = new URL(fixture.url)
    // A port nobody listens on, then a proxy to the real server on that very port.
    const probe = createServer()
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve))
    const port = (probe.address() as AddressInfo).port
    await new Promise<void>((resolve) => probe.close(() => resolve()))
    const viaPort = new URL(fixture.url)
    viaPort.host = `127.0.0.1:${port}`
    const errors: MeterErrorContext[] = []
    const meter = createMeter({
      store: viaPort.toString(),
      provider: 'deepseek',
      flushIntervalMs: 20,
      retryDelayMs: 50,
      onError: (_error, context) => errors.push(context),
      flushOnExit: false,
    })
    let proxy: Awaited<ReturnType<typeof startSwallowingProxy>> | undefined
    try {
      for (let i = 0; i < 30; i++) {
        const response = await meter.fetch(`${server.url}/chat/completions`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({
            model: 'deepseek-v4-flash',
            messages: [{ role: 'user', content: `call ${i}` }],
          }),
        })
        expect(response.status).toBe(200)
        await response.json()
      }
      await expect(meter.flush()).rejects.toMatchObject({ code: 'STORE_UNAVAILABLE' })
      expect(errors.some((context) => context.phase === 'open')).toBe(true)
      proxy = await startSwallowingProxy(
        { host: target.hostname, port: Number(target.port || 5432) },
        port,
      )
      await meter.flush()
      await meter.close()
      expect(meter.stats()).toMatchObject({ queued: 0, written: 30, dropped: 0 })
      expect((await direct.listCalls({ limit: 1, offset: 0 })).total).toBe(30)
    } finally {
      await proxy?.close()
      await direct.close()
      await fixture.cleanup()
    }
  }, 60_000)
})
