import { once } from 'node:events'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import OpenAI from 'openai'
import { openStore } from '@tokenledger/store'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createMeter } from './create-meter.js'
import { fixtureText } from './normalisers/__fixtures__/read-fixture.js'

// A loopback server answering every chat completion with a recorded DeepSeek response.
let server: Server
let baseURL: string
let requests = 0
beforeAll(async () => {
  const body = fixtureText('deepseek-chat-cache-hit.json')
  server = createServer((request, response) => {
    requests++
    request.resume()
    request.on('end', () =>
      response.writeHead(200, { 'content-type': 'application/json' }).end(body),
    )
  })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  baseURL = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`
})
afterAll(() => server.close())

const messages = [{ role: 'user' as const, content: 'Hi' }]

describe('a fetch wrapped twice by the meter', () => {
  it('records each call once: meter.wrap() of a wrapped client, and a client on meter.fetch', async () => {
    const store = await openStore(':memory:')
    const meter = createMeter({ store, provider: 'deepseek', flushOnExit: false })
    try {
      const client = () => new OpenAI({ baseURL, apiKey: 'test', maxRetries: 0 })
      const twiceWrapped = meter.wrap(meter.wrap(client()))
      const onMeterFetch = meter.wrap(
        new OpenAI({ baseURL, apiKey: 'test', maxRetries: 0, fetch: meter.fetch }),
      )
      const before = requests
      await twiceWrapped.chat.completions.create({ model: 'deepseek-v4-flash', messages })
      await onMeterFetch.chat.completions.create({ model: 'deepseek-v4-flash', messages })
      await meter.flush()
      expect(requests - before).toBe(2)
      const { total, rows } = await store.listCalls({ limit: 10, offset: 0 })
      expect(total).toBe(2)
      expect(new Set(rows.map((row) => row.id)).size).toBe(2)
    } finally {
      await meter.close()
      await store.close()
    }
  })
})
