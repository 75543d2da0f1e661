/**
 * `tokenledger dashboard` as a user runs it: the built binary (so the client script and chart.js
 * are served from dist/), on a real SQLite ledger, read-only, with and without a token.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process'
import { createServer } from 'node:net'
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { openStore } from '@tokenledger/store'
import { createRecordFactory } from '@tokenledger/store/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { assertDistFresh } from './helpers/dist-freshness.js'
import { CLI_BIN, runCli } from './helpers/run-cli.js'

interface Running {
  child: ChildProcess
  url: string
  stderr: () => string
}

/** Starts the built CLI's dashboard on port 0 and waits for the URL it prints. */
function startCli(args: string[], env: Record<string, string> = {}): Promise<Running> {
  assertDistFresh()
  const child = spawn(process.execPath, [CLI_BIN, 'dashboard', '--port', '0', ...args], {
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '',
      NO_COLOR: '1',
      TZ: 'UTC',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let stdout = ''
  let stderr = ''
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
  return new Promise((resolve, reject) => {
    child.stdout!.on('data', (chunk: Buffer) => {
      stdout += chunk.toString()
      const match = /tokenledger dashboard: (http:\/\/\S+)/.exec(stdout)
      if (match) resolve({ child, url: match[1]!, stderr: () => stderr })
    })
    child.once('exit', (code) => reject(new Error(`dashboard exited with ${code}: ${stderr}`)))
  })
}

function stop(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => {
    if (child.exitCode !== null) return resolve(child.exitCode)
    child.once('exit', (code) => resolve(code))
    child.kill('SIGTERM')
  })
}

describe('tokenledger dashboard', () => {
  let dir: string
  let db: string
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'tokenledger-cli-dashboard-'))
    db = `sqlite:${join(dir, 'ledger.db')}`
    const store = await openStore(db)
    await store.insert(
      createRecordFactory({ seed: 5, start: new Date(Date.now() - 86_400_000) }).batch(200),
    )
    await store.close()
  })
  afterAll(() => rmSync(dir, { recursive: true, force: true }))

  it('serves the ledger on 127.0.0.1 with its assets from dist, and stops cleanly', async () => {
    const running = await startCli(['--db', db])
    try {
      expect(running.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/)
      const overview = (await (await fetch(`${running.url}api/overview?range=7d`)).json()) as {
        calls: number
      }
      expect(overview.calls).toBe(200)
      const page = await fetch(running.url)
      expect(page.status).toBe(200)
      expect(await page.text()).toContain('Where the money goes')
      const client = await fetch(`${running.url}static/dashboard.js`)
      expect(client.status).toBe(200)
      expect(await client.text()).toContain('data-dashboard-ready')
      const chart = await fetch(`${running.url}static/chart.umd.js`)
      expect(await chart.text()).toContain('Chart.js v4.6.1')
    } finally {
      expect(await stop(running.child)).toBe(0)
    }
  })

  it('requires the token from --token or TOKENLEDGER_DASHBOARD_TOKEN', async () => {
    for (const [args, env] of [
      [['--token', 'secret-token-1'], {}],
      [[], { TOKENLEDGER_DASHBOARD_TOKEN: 'secret-token-1' }],
    ] as const) {
      const running = await startCli(['--db', db, ...args], env)
      try {
        expect(running.url).toMatch(/\/\?token=secret-token-1$/)
        const base = running.url.replace(/\?.*$/, '')
        expect((await fetch(`${base}api/overview`)).status).toBe(401)
        expect(
          (
            await fetch(`${base}api/overview`, {
              headers: { Authorization: 'Bearer secret-token-1' },
            })
          ).status,
        ).toBe(200)
        const visit = await fetch(running.url, { redirect: 'manual' })
        expect(visit.status).toBe(303)
        expect(visit.headers.get('set-cookie')).toMatch(/^tokenledger_session=/)
      } finally {
        await stop(running.child)
      }
    }
  })

  it('never writes: the ledger is opened read-only, and a missing ledger is an error', () => {
    const missing = runCli(['dashboard', '--db', `sqlite:${join(dir, 'nope.db')}`, '--port', '0'])
    expect(missing.code).toBe(1)
    expect(missing.stderr).toMatch(/^error: .*nope\.db/m)
    expect(existsSync(join(dir, 'nope.db'))).toBe(false)
    const badPort = runCli(['dashboard', '--db', db, '--port', '99999'])
    expect(badPort.code).toBe(1)
    expect(badPort.stderr).toContain(
      '--port: expected a port number 0..65535 (0 picks a free port), got "99999"',
    )
  })

  it('answers a foreign Host name only with a token (DNS rebinding), seen by curl', async () => {
    const curl = (url: string, host: string, extra: string[] = []) =>
      execFileSync(
        'curl',
        ['-s', '-o', '/dev/null', '-w', '%{http_code}', '-H', `Host: ${host}`, ...extra, url],
        {
          encoding: 'utf8',
        },
      )
    const open = await startCli(['--db', db])
    try {
      const api = `${open.url}api/overview?range=7d`
      expect(curl(api, 'evil.example')).toBe('421')
      expect(curl(api, 'evil.example:8787')).toBe('421')
      expect(curl(api, 'localhost')).toBe('200')
    } finally {
      await stop(open.child)
    }
    const allowed = await startCli(['--db', db, '--allow-host', 'ledger.internal'])
    try {
      expect(curl(`${allowed.url}api/overview`, 'ledger.internal')).toBe('200')
    } finally {
      await stop(allowed.child)
    }
    const tokened = await startCli(['--db', db, '--token', 'secret-token-1'])
    try {
      const base = tokened.url.replace(/\?.*$/, '')
      expect(
        curl(`${base}api/overview`, 'dash.example.com', [
          '-H',
          'Authorization: Bearer secret-token-1',
        ]),
      ).toBe('200')
    } finally {
      await stop(tokened.child)
    }
  })

  it('refuses a non-loopback bind without a token, and an empty token variable', () => {
    const exposed = runCli(['dashboard', '--db', db, '--host', '0.0.0.0', '--port', '0'])
    expect(exposed.code).toBe(1)
    expect(exposed.stderr).toBe(
      'error: --host 0.0.0.0 would expose the ledger beyond this machine without a token; set --token or TOKENLEDGER_DASHBOARD_TOKEN, or bind 127.0.0.1\n',
    )
    const empty = runCli(['dashboard', '--db', db, '--port', '0'], {
      TOKENLEDGER_DASHBOARD_TOKEN: '',
    })
    expect(empty.code).toBe(1)
    expect(empty.stderr).toBe(
      'error: TOKENLEDGER_DASHBOARD_TOKEN is set but empty; unset it, or set a token of at least 8 characters without spaces\n',
    )
  })

  it('names the port in one line when it is in use', async () => {
    const blocker = createServer()
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve))
    const port = (blocker.address() as { port: number }).port
    try {
      const busy = runCli(['dashboard', '--db', db, '--port', String(port)])
      expect(busy.code).toBe(1)
      expect(busy.stderr).toBe(
        `error: --port ${port}: 127.0.0.1:${port} is already in use; pick another port (0 picks a free one)\n`,
      )
    } finally {
      blocker.close()
    }
  })
})
