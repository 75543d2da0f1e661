/**
 * How the proxy forwards over node:http: bytes as the upstream sent them (a compressed answer
 * stays compressed, with its headers), the meter still reads the usage; the caller's repeated
 * headers pass through as sent, hop-by-hop ones do not; the upstream gets its own Host; a stream
 * whose caller disconnects closes the upstream request.
 */
import { once } from 'node:events'
import { mkdtempSync, rmSync } from 'node:fs'
import { createServer, type IncomingMessage, request, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { gzipSync } from 'node:zlib'
import { type RunningProxy, startProxy } from '@tokenledger/proxy'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { fixtureText } from '../packages/meter/src/normalisers/__fixtures__/read-fixture.js'

const JSON_ANSWER = fixtureText('deepseek-chat-cache-hit.json')
const GZIPPED = gzipSync(Buffer.from(JSON_ANSWER))
const BODY = JSON.stringify({
  model: 'deepseek-v4-flash',
  messages: [{ role: 'user', content: 'hi' }],
})

let dir: string
let upstream: Server
let seen: IncomingMessage[] = []
let streamClosed: Promise<void>
let proxy: RunningProxy

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'tokenledger-proxy-forwarding-'))
  let closed: () => void = () => {}
  streamClosed = new Promise((resolve) => (closed = resolve))
  upstream = createServer((req, res) => {
    seen.push(req)
    req.resume()
    req.on('end', () => {
      if (req.url?.includes('/gzip/')) {
        res.writeHead(200, {
          'content-type': 'application/json',
          'content-encoding': 'gzip',
          'content-length': GZIPPED.byteLength,
          'x-request-id': 'req-gzip',
        })
        res.end(GZIPPED)
        return
      }
      // A stream that never ends: only the proxy dropping the request closes it.
      res.writeHead(200, { 'content-type': 'text/event-stream' })
      res.write('data: {"id":"x","choices":[{"index":0,"delta":{"content":"Hi"}}]}\n\n')
      res.on('close', () => closed())
    })
  })
  upstream.listen(0, '127.0.0.1')
  await once(upstream, 'listening')
  const port = (upstream.address() as AddressInfo).port
  proxy = await startProxy({
    db: `sqlite:${join(dir, 'ledger.db')}`,
    port: 0,
    upstreams: [`deepseek=http://127.0.0.1:${port}/v1`],
    meter: { flushIntervalMs: 5 },
  })
})

afterAll(async () => {
  await proxy?.close()
  upstream?.closeAllConnections()
  upstream?.close()
  rmSync(dir, { recursive: true, force: true })
})

/** A raw node:http POST (no decompression, headers as sent): status, raw headers, body bytes. */
function post(path: string, headers: string[]) {
  return new Promise<{ status: number; headers: string[]; body: Buffer }>((resolve, reject) => {
    const url = new URL(proxy.url)
    const req = request(
      {
        host: url.hostname,
        port: url.port,
        path,
        method: 'POST',
        headers: [
          'host',
          url.host,
          'content-type',
          'application/json',
          'content-length',
          String(Buffer.byteLength(BODY)),
          ...headers,
        ],
        setHost: false,
      },
      (res) => {
        const chunks: Buffer[] = []
        res.on('data', (chunk: Buffer) => chunks.push(chunk))
        res.on('end', () =>
          resolve({
            status: res.statusCode!,
            headers: res.rawHeaders,
            body: Buffer.concat(chunks),
          }),
        )
      },
    )
    req.on('error', reject)
    req.end(BODY)
  })
}

describe('forwarding over node:http', () => {
  it('a compressed answer comes back as sent, and its usage is recorded', async () => {
    seen = []
    const answer = await post('/deepseek/gzip/v1/chat/completions', [
      'x-trace',
      'one',
      'x-trace',
      'two',
      'keep-alive',
      'timeout=5',
      'authorization',
      'Bearer sk-forwarding',
    ])
    expect(answer.status).toBe(200)
    expect(answer.body.equals(GZIPPED)).toBe(true)
    const header = (name: string) =>
      answer.headers.filter((_, i) => i % 2 === 1 && answer.headers[i - 1]!.toLowerCase() === name)
    expect(header('content-encoding')).toEqual(['gzip'])
    expect(header('content-length')).toEqual([String(GZIPPED.byteLength)])

    const sent = seen[0]!
    const upstreamPort = (upstream.address() as AddressInfo).port
    expect(sent.headers.host).toBe(`127.0.0.1:${upstreamPort}`)
    expect(sent.headers['x-trace']).toBe('one, two')
    expect(sent.headers['keep-alive']).toBeUndefined()
    expect(sent.headers['accept-encoding']).toBeUndefined()
    expect(sent.headers.authorization).toBe('Bearer sk-forwarding')

    await proxy.meter.flush()
    const { rows } = await proxy.store.listCalls({ limit: 10, offset: 0 })
    const usage = JSON.parse(JSON_ANSWER).usage
    expect(
      rows.map((r) => [r.status, r.requestId, r.usage.inputTokens, r.usage.outputTokens]),
    ).toEqual([['ok', 'req-gzip', usage.prompt_tokens, usage.completion_tokens]])
  })

  it('a caller leaving a stream closes the upstream request; the call is recorded as aborted', async () => {
    const url = new URL(proxy.url)
    const req = request({
      host: url.hostname,
      port: url.port,
      path: '/deepseek/v1/chat/completions',
      method: 'POST',
      headers: { 'content-type': 'application/json' },
    })
    req.end(JSON.stringify({ model: 'deepseek-v4-flash', stream: true, messages: [] }))
    const [res] = (await once(req, 'response')) as [IncomingMessage]
    await once(res, 'data')
    req.destroy()
    await streamClosed
    await proxy.meter.flush()
    const { rows } = await proxy.store.listCalls({ limit: 10, offset: 0 })
    expect(rows.filter((r) => r.stream).map((r) => r.status)).toEqual(['aborted'])
  })
})
