/**
 * The proxy is closed by default: no open proxy (nothing in a request can pick the host it goes
 * to), loopback Host names only without a token, a non-loopback bind refused without a token,
 * bodies over the limit refused with 413, and its own errors in OpenAI's error shape. Also: each
 * API style through the proxy (Anthropic messages, Gemini generateContent, the Responses API,
 * JSON and SSE), and a budget refusal answered 429 before the upstream sees anything.
 */
import { connect } from 'node:net'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startProxy, type RunningProxy } from '@tokenledger/proxy'
import { isTokenledgerError } from '@tokenledger/pricing'
import OpenAI from 'openai'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  fixtureJson,
  fixtureText,
} from '../packages/meter/src/normalisers/__fixtures__/read-fixture.js'
import { type ReplayServer, startReplayServer } from './helpers/replay-server.js'

let dir: string
let deepseek: ReplayServer
let victim: ReplayServer
let anthropic: ReplayServer
let google: ReplayServer
let openai: ReplayServer
let proxy: RunningProxy

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'tokenledger-proxy-security-'))
  deepseek = await startReplayServer({
    'deepseek-v4-flash': { json: fixtureJson('deepseek-chat-cache-hit.json') },
  })
  // A server the proxy is not configured for: nothing may ever reach it.
  victim = await startReplayServer({ 'deepseek-v4-flash': { json: { stolen: true } } })
  anthropic = await startReplayServer({
    'claude-sonnet-4-5': { json: fixtureJson('anthropic-message.json') },
    stream: { sse: fixtureText('anthropic-stream.sse') },
  })
  google = await startReplayServer(
    {
      'gemini-2.5-flash': { json: fixtureJson('gemini-generate.json') },
      stream: { sse: fixtureText('gemini-stream.sse') },
    },
    '/v1beta',
  )
  openai = await startReplayServer({
    'gpt-4.1': { json: fixtureJson('openai-responses.json') },
    stream: { sse: fixtureText('openai-stream-usage.sse') },
  })
  proxy = await startProxy({
    db: `sqlite:${join(dir, 'ledger.db')}`,
    port: 0,
    maxBodyBytes: 4096,
    upstreams: [
      `deepseek=${deepseek.url}`,
      `anthropic=${anthropic.url}`,
      `google=${google.url}`,
      `openai=${openai.url}`,
    ],
    meter: { flushIntervalMs: 5 },
  })
})

afterAll(async () => {
  await proxy?.close()
  await Promise.all([deepseek, victim, anthropic, google, openai].map((server) => server?.close()))
  rmSync(dir, { recursive: true, force: true })
})

/** One raw HTTP/1.1 exchange, so the request line and Host header are exactly as written. */
function raw(port: number, head: string, body = ''): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () =>
      socket.end(
        `${head}\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`,
      ),
    )
    let answer = ''
    socket.on('data', (chunk) => (answer += chunk.toString()))
    socket.on('end', () => resolve(answer))
    socket.on('error', reject)
  })
}

const port = () => Number(new URL(proxy.url).port)
const BODY = JSON.stringify({
  model: 'deepseek-v4-flash',
  messages: [{ role: 'user', content: 'hi' }],
})

describe('no open proxy', () => {
  it('nothing in the request picks the host: absolute-form URLs, Host, forwarding headers, odd paths', async () => {
    const victimHost = new URL(victim.url).host
    const attempts = [
      // An absolute-form request line naming another server.
      `POST http://${victimHost}/v1/chat/completions HTTP/1.1\r\nhost: ${victimHost}\r\ncontent-type: application/json`,
      `POST http://${victimHost}/deepseek/v1/chat/completions HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: application/json`,
      // Headers other proxies honour.
      `POST /deepseek/v1/chat/completions HTTP/1.1\r\nhost: 127.0.0.1\r\nx-forwarded-host: ${victimHost}\r\nforwarded: host=${victimHost}\r\ncontent-type: application/json`,
      // Paths that try to become another authority or climb out of the base.
      `POST /deepseek//${victimHost}/v1/chat/completions HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: application/json`,
      `POST /deepseek/@${victimHost}/v1/chat/completions HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: application/json`,
      `POST /deepseek/%2e%2e/%2e%2e/v1/chat/completions HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: application/json`,
      `POST /deepseek/..%2f..%2fv1/chat/completions HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: application/json`,
      `POST /http://${victimHost}/v1/chat/completions HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: application/json`,
    ]
    const before = deepseek.requests.length
    for (const head of attempts) await raw(port(), head, BODY)
    expect(victim.requests).toHaveLength(0)
    // Whatever did go through went to the configured upstream, under its base path.
    for (const request of deepseek.requests.slice(before))
      expect(request.path.startsWith('/v1/')).toBe(true)
  })

  it('an unknown route is a 404 in the OpenAI error shape, naming the upstreams', async () => {
    const response = await fetch(`${proxy.url}/nowhere/v1/chat/completions`, {
      method: 'POST',
      body: BODY,
    })
    expect(response.status).toBe(404)
    const body = (await response.json()) as { error: { type: string; message: string } }
    expect(body.error.type).toBe('unknown_route')
    expect(body.error.message).toContain('no upstream named "nowhere"')
  })

  it('without a token, a Host that is not loopback is refused (DNS rebinding)', async () => {
    const answer = await raw(
      port(),
      'POST /deepseek/v1/chat/completions HTTP/1.1\r\nhost: attacker.example\r\ncontent-type: application/json',
      BODY,
    )
    expect(answer).toMatch(/^HTTP\/1\.1 403/)
    expect(answer).toContain('"type":"forbidden_host"')
  })
})

describe('binding and tokens', () => {
  it('a non-loopback bind without a token refuses to start', async () => {
    const refused = await startProxy({
      db: `sqlite:${join(dir, 'bind.db')}`,
      host: '0.0.0.0',
      port: 0,
    }).catch((error: unknown) => error)
    expect(isTokenledgerError(refused, 'FLAG_INVALID')).toBe(true)
    expect((refused as Error).message).toMatch(/^--host 0\.0\.0\.0: .*needs --token/)
  })

  it('with a token, requests must present it (constant-time compare); the health check need not', async () => {
    const token = 'proxy-token-0123456789'
    const guarded = await startProxy({
      db: `sqlite:${join(dir, 'token.db')}`,
      host: '0.0.0.0',
      port: 0,
      token,
      upstreams: [`deepseek=${deepseek.url}`],
    })
    try {
      const url = `http://127.0.0.1:${new URL(guarded.url).port}`
      const headers = { 'content-type': 'application/json', 'x-replay': 'deepseek-v4-flash' }
      expect(
        (
          await fetch(`${url}/deepseek/v1/chat/completions`, {
            method: 'POST',
            headers,
            body: BODY,
          })
        ).status,
      ).toBe(401)
      expect(
        (
          await fetch(`${url}/deepseek/v1/chat/completions`, {
            method: 'POST',
            headers: { ...headers, 'x-tokenledger-token': `${token}x` },
            body: BODY,
          })
        ).status,
      ).toBe(401)
      const ok = await fetch(`${url}/deepseek/v1/chat/completions`, {
        method: 'POST',
        headers: { ...headers, 'x-tokenledger-token': token },
        body: BODY,
      })
      expect(ok.status).toBe(200)
      await ok.json()
      // The proxy's own header never reaches the upstream.
      expect(deepseek.requests.at(-1)!.headers['x-tokenledger-token']).toBeUndefined()
      const health = await fetch(`${url}/health`)
      expect(health.status).toBe(200)
      expect(await health.json()).toMatchObject({ status: 'ok' })
    } finally {
      await guarded.close()
    }
  })
})

describe('request limits and checks', () => {
  it('a body over the limit is refused with 413, with or without a declared length', async () => {
    const big = JSON.stringify({
      model: 'deepseek-v4-flash',
      messages: [{ role: 'user', content: 'x'.repeat(5000) }],
    })
    const before = deepseek.requests.length
    const declared = await fetch(`${proxy.url}/deepseek/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: big,
    })
    expect(declared.status).toBe(413)
    expect(((await declared.json()) as { error: { type: string } }).error.type).toBe(
      'body_too_large',
    )
    // Chunked: no content-length, the body arrives as a stream.
    const chunked = await fetch(`${proxy.url}/deepseek/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: new Blob([big]).stream(),
      duplex: 'half',
    } as RequestInit)
    expect(chunked.status).toBe(413)
    expect(deepseek.requests.length).toBe(before)
  })

  it('bad tags are a 400 naming the header', async () => {
    const response = await fetch(`${proxy.url}/deepseek/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-tokenledger-tags': 'team=search,oops' },
      body: BODY,
    })
    expect(response.status).toBe(400)
    const body = (await response.json()) as { error: { type: string; message: string } }
    expect(body.error).toMatchObject({
      type: 'invalid_tags',
      message: 'x-tokenledger-tags: expected KEY=VALUE pairs separated by commas, got "oops"',
    })
  })

  it('an unreachable upstream is a 502 naming the upstream, without the caller credentials', async () => {
    // A port nobody listens on (fetch refuses some well-known ports outright, so take a fresh one).
    const closed = await startReplayServer({})
    const closedUrl = closed.url
    await closed.close()
    const down = await startProxy({
      db: `sqlite:${join(dir, 'down.db')}`,
      port: 0,
      upstreams: [`deepseek=${closedUrl}`],
    })
    try {
      const response = await fetch(`${down.url}/deepseek/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: 'Bearer sk-down-secret' },
        body: BODY,
      })
      expect(response.status).toBe(502)
      const text = await response.text()
      expect(JSON.parse(text).error).toMatchObject({
        type: 'upstream_unreachable',
        message: 'upstream "deepseek" is unreachable (ECONNREFUSED)',
      })
      expect(text).not.toContain('sk-down-secret')
      await down.meter.flush()
      const { rows } = await down.store.listCalls({ limit: 10, offset: 0 })
      expect(rows.map((r) => [r.status, r.errorType])).toEqual([['error', 'ECONNREFUSED']])
    } finally {
      await down.close()
    }
  })
})

describe('every API style through the proxy', () => {
  async function post(
    path: string,
    body: unknown,
    replay?: string,
  ): Promise<{ status: number; text: string }> {
    const response = await fetch(`${proxy.url}${path}`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-api-key': 'sk-ant-secret',
        'x-goog-api-key': 'goog-secret',
        ...(replay ? { 'x-replay': replay } : {}),
      },
      body: JSON.stringify(body),
    })
    return { status: response.status, text: await response.text() }
  }

  it('Anthropic messages, Gemini generateContent and the Responses API, JSON and SSE, recorded with their usage', async () => {
    await proxy.meter.flush()
    const before = (await proxy.store.listCalls({ limit: 1, offset: 0 })).total
    const answers = [
      await post('/anthropic/v1/messages', {
        model: 'claude-sonnet-4-5',
        max_tokens: 100,
        messages: [{ role: 'user', content: 'hi' }],
      }),
      await post(
        '/anthropic/v1/messages',
        { model: 'claude-sonnet-4-5', max_tokens: 100, stream: true, messages: [] },
        'stream',
      ),
      await post('/google/v1beta/models/gemini-2.5-flash:generateContent', { contents: [] }),
      await post(
        '/google/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse',
        { contents: [] },
        'stream',
      ),
      await post('/openai/v1/responses', { model: 'gpt-4.1', input: 'hi' }),
    ]
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 200, 200])
    expect(answers[0]!.text).toBe(JSON.stringify(fixtureJson('anthropic-message.json')))
    expect(answers[1]!.text).toBe(fixtureText('anthropic-stream.sse'))
    expect(answers[3]!.text).toBe(fixtureText('gemini-stream.sse'))
    await proxy.meter.flush()
    const { rows } = await proxy.store.listCalls({ limit: 100, offset: 0 })
    const recorded = rows.slice(0, rows.length - before)
    expect(recorded).toHaveLength(5)
    for (const record of recorded) {
      expect(record.status).toBe('ok')
      // Reported by the provider (Gemini's output is derived: candidates + thoughts), never estimated.
      expect(['reported', 'derived']).toContain(record.usage.provenance.inputTokens)
      expect(['reported', 'derived']).toContain(record.usage.provenance.outputTokens)
    }
    expect(new Set(recorded.map((r) => r.provider))).toEqual(
      new Set(['anthropic', 'google', 'openai']),
    )
  })

  it('an OpenAI stream without include_usage: the proxy asks for usage and the caller sees the stream it asked for', async () => {
    const answer = await post(
      '/openai/v1/chat/completions',
      { model: 'gpt-4.1', stream: true, messages: [] },
      'stream',
    )
    expect(answer.status).toBe(200)
    const sent = openai.requests.at(-1)!.body as { stream_options?: { include_usage?: boolean } }
    expect(sent.stream_options).toEqual({ include_usage: true })
    // The usage-only chunk the proxy caused is not passed on.
    expect(answer.text).not.toContain('"choices":[]')
    await proxy.meter.flush()
    const [last] = (await proxy.store.listCalls({ limit: 1, offset: 0 })).rows
    expect(last!.usage.provenance.outputTokens).toBe('reported')
  })
})

describe('budgets in the proxy', () => {
  it('a call that would pass a block budget gets 429 with the facts, and the upstream sees nothing', async () => {
    const budgeted = await startProxy({
      db: `sqlite:${join(dir, 'budget.db')}`,
      port: 0,
      upstreams: [`deepseek=${deepseek.url}`],
      budgets: {
        budgets: [
          {
            id: 'search-daily',
            scope: { tags: { team: 'search' } },
            limit: '0.0001',
            period: 'day',
            timeZone: 'Europe/Paris',
            action: 'block',
          },
        ],
      },
    })
    try {
      const client = new OpenAI({
        baseURL: `${budgeted.url}/deepseek/v1`,
        apiKey: 'sk-budget',
        defaultHeaders: { 'x-tokenledger-tags': 'team=search' },
      })
      const before = deepseek.requests.length
      // max_tokens 1000 at 0.28 per 1M is 0.00028 USD: over the limit before a byte is sent.
      const refused = await client.chat.completions
        .create({
          model: 'deepseek-v4-flash',
          max_tokens: 1000,
          messages: [{ role: 'user', content: 'hi' }],
        })
        .catch((error: unknown) => error)
      expect(refused).toBeInstanceOf(OpenAI.RateLimitError)
      const error = refused as InstanceType<typeof OpenAI.RateLimitError>
      expect(error.status).toBe(429)
      expect(error.code).toBe('budget_exceeded')
      expect(error.headers?.get('x-should-retry')).toBe('false')
      const facts = (error.error as { budget: Record<string, unknown> }).budget
      expect(facts).toMatchObject({
        budget: 'search-daily',
        spent: '0',
        reserved: '0',
        limit: '0.0001',
        action: 'block',
      })
      expect(facts['resetsAt']).toMatch(/T2[23]:00:00\.000Z$/) // midnight in Paris
      // The SDK did not retry, and nothing reached the upstream.
      expect(deepseek.requests.length).toBe(before)
      // Another team is not under this budget.
      const other = await fetch(`${budgeted.url}/deepseek/v1/chat/completions`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'x-replay': 'deepseek-v4-flash',
          'x-tokenledger-tags': 'team=ads',
        },
        body: JSON.stringify({ model: 'deepseek-v4-flash', max_tokens: 1000, messages: [] }),
      })
      expect(other.status).toBe(200)
    } finally {
      await budgeted.close()
    }
  })
})
