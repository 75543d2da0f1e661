/**
 * `tokenledger proxy` with real clients, each on a JSON and a streamed call: the `openai` SDK, curl,
 * and a Python program using only the standard library (urllib). What each client gets is
 * byte-identical to what the upstream sends when called directly, and the ledger reads back exactly
 * (prices: DeepSeek deepseek-v4-flash, input 0.14, cache read 0.0028, output 0.28 USD per 1M tokens).
 */
import { execFile } from 'node:child_process'
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startProxy, type RunningProxy } from '@tokenledger/proxy'
import { type CallRecord } from '@tokenledger/store'
import OpenAI from 'openai'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  fixtureJson,
  fixtureText,
} from '../packages/meter/src/normalisers/__fixtures__/read-fixture.js'
import { callOrder, type ReplayServer, startReplayServer } from './helpers/replay-server.js'

const SECRETS = [
  'sk-sdk-secret-0001',
  'sk-curl-secret-0002',
  'sk-python-secret-0003',
  'sk-fetch-secret-0004',
]
const JSON_BODY = JSON.stringify({
  model: 'deepseek-v4-flash',
  messages: [{ role: 'user', content: 'Summarise section 4.2' }],
})
const STREAM_BODY = JSON.stringify({
  model: 'deepseek-v4-flash',
  stream: true,
  messages: [{ role: 'user', content: 'Capital of Australia?' }],
})
// deepseek-chat-cache-hit.json: 256 fresh + 1280 cached prompt tokens, 120 output tokens.
const JSON_COST = '0.000073024'
// deepseek-stream-reasoning.sse: 24 prompt tokens, 60 output tokens (41 of them reasoning).
const STREAM_COST = '0.00002016'

let dir: string
let deepseek: ReplayServer
let proxy: RunningProxy
const reports: string[] = []

/** Runs a client program (asynchronously: the proxy under test lives in this process). */
function run(
  file: string,
  args: string[],
): Promise<{ status: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(file, args, { encoding: 'utf8', timeout: 30_000 }, (error, stdout, stderr) => {
      resolve({
        status: error ? Number((error as { code?: unknown }).code ?? 1) : 0,
        stdout,
        stderr,
      })
    })
  })
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'tokenledger-proxy-clients-'))
  deepseek = await startReplayServer({
    json: { json: fixtureJson('deepseek-chat-cache-hit.json') },
    stream: { sse: fixtureText('deepseek-stream-reasoning.sse') },
  })
  proxy = await startProxy({
    db: `sqlite:${join(dir, 'ledger.db')}`,
    port: 0,
    upstreams: [`deepseek=${deepseek.url}`],
    meter: { flushIntervalMs: 5 },
    onError: (error, context) => reports.push(`${context.phase}: ${String(error)}`),
  })
})

afterAll(async () => {
  await proxy?.close()
  await deepseek?.close()
  rmSync(dir, { recursive: true, force: true })
})

/** What the upstream sends for a request when called directly (no proxy). */
async function direct(
  route: string,
  body: string,
): Promise<{ status: number; type: string | null; text: string }> {
  const response = await fetch(`${deepseek.url}/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-replay': route },
    body,
  })
  return {
    status: response.status,
    type: response.headers.get('content-type'),
    text: await response.text(),
  }
}

/** The calls recorded since `before` calls, in call order. */
async function recordedAfter(before: number): Promise<CallRecord[]> {
  await proxy.meter.flush()
  const { rows } = await proxy.store.listCalls({ limit: 1000, offset: 0 })
  return rows.sort(callOrder).slice(before)
}

async function recordedCount(): Promise<number> {
  await proxy.meter.flush()
  return (await proxy.store.listCalls({ limit: 1, offset: 0 })).total
}

function expectRecords(records: CallRecord[], tags: Record<string, string>): void {
  expect(records.map((r) => [r.provider, r.model, r.stream, r.status, r.cost])).toEqual([
    ['deepseek', 'deepseek-v4-flash', false, 'ok', JSON_COST],
    ['deepseek', 'deepseek-v4-flash', true, 'ok', STREAM_COST],
  ])
  expect(records[0]!.usage).toMatchObject({
    inputTokens: 1536,
    cacheReadTokens: 1280,
    outputTokens: 120,
  })
  expect(records[1]!.usage).toMatchObject({
    inputTokens: 24,
    outputTokens: 60,
    reasoningTokens: 41,
  })
  for (const record of records) expect(record.tags).toEqual(tags)
}

describe('tokenledger proxy with real clients', () => {
  it('the openai SDK (base URL pointed at the proxy): JSON and stream', async () => {
    const before = await recordedCount()
    const client = new OpenAI({
      baseURL: `${proxy.url}/deepseek/v1`,
      apiKey: SECRETS[0],
      maxRetries: 0,
      defaultHeaders: { 'x-tokenledger-tags': 'team=search,user=alice' },
    })
    const completion = await client.chat.completions.create(
      {
        model: 'deepseek-v4-flash',
        messages: [{ role: 'user', content: 'Summarise section 4.2' }],
      },
      { headers: { 'x-replay': 'json' } },
    )
    expect(completion).toEqual(fixtureJson('deepseek-chat-cache-hit.json'))
    const stream = await client.chat.completions.create(
      {
        model: 'deepseek-v4-flash',
        stream: true,
        messages: [{ role: 'user', content: 'Capital of Australia?' }],
      },
      { headers: { 'x-replay': 'stream' } },
    )
    let text = ''
    for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? ''
    expect(text).toBe('The capital of Australia is Canberra.')
    // The SDK's key reached the upstream unchanged.
    expect(deepseek.requests.at(-1)!.headers['authorization']).toBe(`Bearer ${SECRETS[0]}`)
    expectRecords(await recordedAfter(before), { team: 'search', user: 'alice' })
  })

  it('curl: JSON and stream, byte-identical to the upstream', async () => {
    const before = await recordedCount()
    for (const [route, body] of [
      ['json', JSON_BODY],
      ['stream', STREAM_BODY],
    ] as const) {
      const result = await run('curl', [
        '-sS',
        '-N',
        '-X',
        'POST',
        `${proxy.url}/deepseek/v1/chat/completions`,
        '-H',
        'content-type: application/json',
        '-H',
        `authorization: Bearer ${SECRETS[1]}`,
        '-H',
        `x-replay: ${route}`,
        '-H',
        'x-tokenledger-tags: tool=curl',
        '--data-binary',
        body,
        '-w',
        '\n%{http_code} %{content_type}',
      ])
      expect(result.status).toBe(0)
      const expected = await direct(route, body)
      expect(result.stdout).toBe(`${expected.text}\n${expected.status} ${expected.type}`)
    }
    expectRecords(await recordedAfter(before), { tool: 'curl' })
  })

  it('a Python program with only the standard library (urllib): JSON and SSE', async () => {
    const before = await recordedCount()
    const script = `
import sys, urllib.request
url, key, route, body = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4].encode()
request = urllib.request.Request(url, data=body, method='POST', headers={
  'Content-Type': 'application/json', 'Authorization': 'Bearer ' + key,
  'x-replay': route, 'x-tokenledger-tags': 'tool=python'})
with urllib.request.urlopen(request) as response:
  out = sys.stdout.buffer
  out.write(('%d %s\\n' % (response.status, response.headers['Content-Type'])).encode())
  if 'text/event-stream' in response.headers['Content-Type']:
    for line in response:  # SSE, line by line as it arrives
      out.write(line)
  else:
    out.write(response.read())
`
    for (const [route, body] of [
      ['json', JSON_BODY],
      ['stream', STREAM_BODY],
    ] as const) {
      const result = await run('python3', [
        '-c',
        script,
        `${proxy.url}/deepseek/v1/chat/completions`,
        SECRETS[2]!,
        route,
        body,
      ])
      expect(result.stderr).toBe('')
      const expected = await direct(route, body)
      expect(result.stdout).toBe(`${expected.status} ${expected.type}\n${expected.text}`)
    }
    expectRecords(await recordedAfter(before), { tool: 'python' })
  })

  it('upstream errors come back unchanged and are recorded as errors', async () => {
    const before = await recordedCount()
    const response = await fetch(`${proxy.url}/deepseek/v1/chat/completions`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-replay': 'no-such-route',
        authorization: `Bearer ${SECRETS[3]}`,
      },
      body: JSON_BODY,
    })
    const expected = await direct('no-such-route', JSON_BODY)
    expect(response.status).toBe(404)
    expect(await response.text()).toBe(expected.text)
    const [record] = await recordedAfter(before)
    expect(record).toMatchObject({
      status: 'error',
      httpStatus: 404,
      errorType: 'not_found_error',
      cost: '0',
    })
  })

  it('credentials are in neither the ledger files nor the reports', async () => {
    await proxy.meter.flush()
    for (const file of readdirSync(dir)) {
      const bytes = readFileSync(join(dir, file)).toString('latin1')
      for (const secret of SECRETS)
        expect(bytes.includes(secret), `${secret} in ${file}`).toBe(false)
    }
    const { rows } = await proxy.store.listCalls({ limit: 1000, offset: 0 })
    expect(rows.length).toBeGreaterThanOrEqual(7)
    const text = JSON.stringify(rows) + reports.join('\n')
    for (const secret of SECRETS) expect(text.includes(secret)).toBe(false)
  })
})

describe('a client that disconnects', () => {
  let upstream: Server
  let closed: Promise<void>
  let sawClose: () => void
  let port: number

  beforeAll(async () => {
    closed = new Promise<void>((resolve) => (sawClose = resolve))
    const block = fixtureText('deepseek-stream-reasoning.sse').split('\n\n')[0]! + '\n\n'
    upstream = createServer((req, res) => {
      req.resume()
      res.writeHead(200, { 'content-type': 'text/event-stream' })
      res.write(block)
      // Never ends: only the proxy aborting the request closes it.
      res.on('close', () => sawClose())
    })
    await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve))
    port = (upstream.address() as AddressInfo).port
  })
  afterAll(async () => {
    upstream.closeAllConnections()
    await new Promise((resolve) => upstream.close(resolve))
  })

  it('aborts the upstream request, and the call is recorded as aborted', async () => {
    const local = await startProxy({
      db: `sqlite:${join(dir, 'abort.db')}`,
      port: 0,
      upstreams: [`deepseek=http://127.0.0.1:${port}/v1`],
    })
    try {
      const controller = new AbortController()
      const response = await fetch(`${local.url}/deepseek/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: STREAM_BODY,
        signal: controller.signal,
      })
      const reader = response.body!.getReader()
      const first = await reader.read()
      expect(new TextDecoder().decode(first.value)).toContain('chat.completion.chunk')
      controller.abort()
      await closed
      await local.meter.flush()
      const { rows } = await local.store.listCalls({ limit: 10, offset: 0 })
      expect(rows.map((r) => [r.status, r.stream])).toEqual([['aborted', true]])
    } finally {
      await local.close()
    }
  })
})
