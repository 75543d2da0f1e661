/**
 * The built `tokenledger proxy` and `tokenledger budgets` commands, run as a user runs them: bad
 * flags refused with a message naming the flag, a proxy process that records a call and writes it
 * when stopped with SIGTERM (nothing of the caller's key on its output), and the budgets of the
 * ledger reported as a table and as JSON.
 */
import { fileURLToPath } from 'node:url'
import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { type AddressInfo, createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { openStore } from '@tokenledger/store'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { fixtureJson } from '../packages/meter/src/normalisers/__fixtures__/read-fixture.js'
import { type ReplayServer, startReplayServer } from './helpers/replay-server.js'
import { CLI_BIN, runCli } from './helpers/run-cli.js'

// Fixed DeepSeek rates for these tests (the bundled card has peak / off-peak hours): see the file.
process.env['TOKENLEDGER_PRICES'] = fileURLToPath(
  new URL('./helpers/fixed-prices.json', import.meta.url),
)

let dir: string
let deepseek: ReplayServer

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'tokenledger-proxy-cli-'))
  deepseek = await startReplayServer({
    'deepseek-v4-flash': { json: fixtureJson('deepseek-chat-cache-hit.json') },
  })
})
afterAll(async () => {
  await deepseek?.close()
  rmSync(dir, { recursive: true, force: true })
})

describe('tokenledger proxy', () => {
  it('refuses a non-loopback host without a token, and a bad upstream, naming the flag', () => {
    const open = runCli(['proxy', '--host', '0.0.0.0', '--port', '0', '--db', join(dir, 'a.db')])
    expect(open.code).toBe(1)
    expect(open.stderr).toMatch(
      /^error: --host 0\.0\.0\.0: a proxy reachable beyond this machine needs --token/,
    )
    const bad = runCli([
      'proxy',
      '--port',
      '0',
      '--db',
      join(dir, 'a.db'),
      '--upstream',
      'vllm=http://127.0.0.1:1/v1',
    ])
    expect(bad.code).toBe(1)
    expect(bad.stderr).toContain(
      'error: --upstream "vllm=http://127.0.0.1:1/v1": unknown provider "vllm"',
    )
    expect(bad.stderr).toContain('vllm:PROVIDER=URL')
  })

  it('names a port in use in one line, and refuses an empty or short token variable', async () => {
    const blocker = createServer()
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve))
    const port = (blocker.address() as AddressInfo).port
    try {
      const busy = runCli(['proxy', '--port', String(port), '--db', join(dir, 'a.db')])
      expect(busy.code).toBe(1)
      expect(busy.stderr).toBe(
        `error: --port ${port}: 127.0.0.1:${port} is already in use; pick another port (0 picks a free one)\n`,
      )
    } finally {
      blocker.close()
    }
    const args = ['proxy', '--port', '0', '--db', join(dir, 'a.db')]
    const empty = runCli(args, { TOKENLEDGER_PROXY_TOKEN: '' })
    expect(empty.code).toBe(1)
    expect(empty.stderr).toBe(
      'error: TOKENLEDGER_PROXY_TOKEN is set but empty; unset it, or set a token of at least 8 characters without spaces\n',
    )
    const short = runCli(['proxy', '--token', 'abc', ...args.slice(1)])
    expect(short.code).toBe(1)
    expect(short.stderr).toContain('--token: expected at least 8 characters without spaces')
  })

  it('records calls, writes them on SIGTERM, and never prints the caller key', async () => {
    const db = join(dir, 'ledger.db')
    const budgets = join(dir, 'budgets.json')
    writeFileSync(
      budgets,
      JSON.stringify({
        budgets: [
          {
            id: 'daily',
            scope: { provider: 'deepseek' },
            limit: '1',
            period: 'day',
            action: 'block',
          },
        ],
      }),
    )
    const child = spawn(
      process.execPath,
      [
        CLI_BIN,
        'proxy',
        '--port',
        '0',
        '--db',
        db,
        '--budgets',
        budgets,
        '--upstream',
        `deepseek=${deepseek.url}`,
      ],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
        env: {
          PATH: process.env['PATH'] ?? '',
          NO_COLOR: '1',
          TZ: 'UTC',
          TOKENLEDGER_PRICES: process.env['TOKENLEDGER_PRICES']!,
        },
      },
    )
    let stdout = ''
    let stderr = ''
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
    const url = await new Promise<string>((resolve, reject) => {
      child.stdout.on('data', (chunk: Buffer) => {
        stdout += chunk.toString()
        const match = /tokenledger proxy: (http:\/\/127\.0\.0\.1:\d+)/.exec(stdout)
        if (match) resolve(match[1]!)
      })
      child.once('exit', (code) => reject(new Error(`proxy exited ${code}: ${stderr}`)))
    })
    const response = await fetch(`${url}/deepseek/v1/chat/completions`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        authorization: 'Bearer sk-cli-secret-7777',
        'x-tokenledger-tags': 'tool=cli',
      },
      body: JSON.stringify({
        model: 'deepseek-v4-flash',
        max_tokens: 100,
        messages: [{ role: 'user', content: 'hi' }],
      }),
    })
    expect(response.status).toBe(200)
    await response.text()
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve))
    child.kill('SIGTERM')
    expect(await exited).toBe(0)
    expect(stdout + stderr).not.toContain('sk-cli-secret-7777')
    const store = await openStore(db, { readOnly: true })
    try {
      const { rows } = await store.listCalls({ limit: 10, offset: 0 })
      expect(rows.map((r) => [r.provider, r.model, r.cost, r.tags])).toEqual([
        ['deepseek', 'deepseek-v4-flash', '0.000073024', { tool: 'cli' }],
      ])
    } finally {
      await store.close()
    }

    // The budgets the proxy declared, from the ledger alone.
    const prices = { TOKENLEDGER_PRICES: process.env['TOKENLEDGER_PRICES']! }
    const json = runCli(['budgets', '--db', db, '--json'], prices)
    expect(json.code).toBe(0)
    const [status] = JSON.parse(json.stdout) as Array<Record<string, unknown>>
    expect(status).toMatchObject({
      id: 'daily',
      limit: '1',
      spent: '0.000073024',
      reserved: '0',
      left: '0.999926976',
      usedPercent: '0.0',
      unpricedCalls: 0,
    })
    const table = runCli(['budgets', '--db', db], prices)
    expect(table.code).toBe(0)
    expect(table.stdout).toContain('daily')
    expect(table.stdout).toContain('provider=deepseek')
    expect(table.stdout).toContain('day (UTC)')
  })

  it('budgets: a bad budgets file is an error naming the file, the budget and the field', () => {
    const file = join(dir, 'bad-budgets.json')
    writeFileSync(
      file,
      JSON.stringify(
        { budgets: [{ id: 'x', limit: '1', period: 'fortnight', action: 'block' }] },
        null,
        2,
      ),
    )
    const result = runCli(['budgets', '--db', join(dir, 'ledger.db'), '--budgets', file])
    expect(result.code).toBe(1)
    expect(result.stderr).toContain(
      `${file}:6: budgets[0] (x).period: expected "day", "week", "month" or { "rollingHours": N }`,
    )
  })
})
