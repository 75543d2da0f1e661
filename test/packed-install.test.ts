/**
 * What a new user gets from npm: every package packed as it would be published (`pnpm pack`
 * rewrites `workspace:*`), installed with plain `npm` from the tarballs into empty projects outside
 * the workspace (third-party dependencies come from the npm registry), then the README quick starts
 * run there as written:
 * - the meter README's snippet, copied verbatim from the installed package, metering two calls of
 *   the real `openai` SDK. The provider hosts it names are sent to local replay servers by a
 *   preloaded fetch redirect (like an /etc/hosts entry), so the meter still sees the real URLs;
 * - `tokenledger report` and `tokenledger estimate` from the installed CLI;
 * - `tokenledger dashboard`, answering its API and serving chart.js from the installed packages.
 * A second project installs only what a PostgreSQL service needs (meter + pg): better-sqlite3 is
 * not installed nor compiled, the meter writes to PostgreSQL, and a SQLite URL names the package
 * to install. Needs `pnpm build` first (checked).
 *
 * better-sqlite3 comes from the registry like any dependency; its install script then fetches a
 * prebuilt binary, which a user gets from GitHub. Here a loopback binary mirror (prebuild-install's
 * `npm_config_better_sqlite3_binary_host`) serves the binary pnpm compiled from the same version
 * for this workspace, which saves compiling SQLite in every run (minutes on a shared machine).
 * `TOKENLEDGER_PACKED_COMPILE=1` compiles it from source instead, as an offline user would.
 */
import { execFileSync, spawn } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import { createRequire } from 'node:module'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { defaultPricingTable, priceCall } from '@tokenledger/pricing'
import { openStore } from '@tokenledger/store'
import { ENGINES, type LedgerFixture } from '@tokenledger/store/testing/engines'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { fixtureJson } from '../packages/meter/src/normalisers/__fixtures__/read-fixture.js'
import { packWorkspace, type PackedPackage } from '../scripts/pack-workspace.mjs'
import { assertDistFresh } from './helpers/dist-freshness.js'
import { startReplayServer, type ReplayServer } from './helpers/replay-server.js'

const INSTALL_TIMEOUT_MS = 6 * 60_000
const OPENAI_VERSION = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'))
  .devDependencies.openai as string
const postgres = ENGINES.find((engine) => engine.name === 'postgres')

interface Run {
  code: number | null
  stdout: string
  stderr: string
}

/** Runs a command to its end (bounded by `timeoutMs`), with a small fixed environment. */
function run(
  command: string,
  args: string[],
  cwd: string,
  env: Record<string, string> = {},
  timeoutMs = 60_000,
): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd,
      env: {
        PATH: process.env.PATH ?? '',
        HOME: process.env.HOME ?? '',
        NO_COLOR: '1',
        TZ: 'UTC',
        ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: timeoutMs,
    })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()))
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
    child.once('error', reject)
    child.once('close', (code) => resolve({ code, stdout, stderr }))
  })
}

/** An empty npm project depending on the given tarballs (and registry packages). */
async function installProject(
  name: string,
  tarballs: PackedPackage[],
  registry: Record<string, string>,
): Promise<string> {
  const dir = join(work, name)
  mkdirSync(dir)
  const dependencies: Record<string, string> = { ...registry }
  for (const pkg of tarballs) dependencies[pkg.name] = `file:${pkg.tarball}`
  writeFileSync(
    join(dir, 'package.json'),
    JSON.stringify({ name, private: true, type: 'module', dependencies }, null, 2),
  )
  const binaries: Record<string, string> = COMPILE
    ? { npm_config_build_from_source: 'true' }
    : { npm_config_better_sqlite3_binary_host: mirror.url }
  const result = await run(
    'npm',
    ['install', '--no-audit', '--no-fund', '--loglevel=error'],
    dir,
    { ...binaries, npm_config_cache: join(process.env.HOME ?? work, '.npm') },
    INSTALL_TIMEOUT_MS,
  )
  if (result.code !== 0) throw new Error(`npm install in ${name} failed:\n${result.stderr}`)
  return dir
}

const COMPILE = process.env['TOKENLEDGER_PACKED_COMPILE'] === '1'

interface BinaryMirror {
  url: string
  /** The paths prebuild-install asked for. */
  requests: string[]
  server: Server
}

/** Serves the workspace's compiled better-sqlite3 as the prebuilt tarball prebuild-install wants. */
async function startBinaryMirror(): Promise<BinaryMirror> {
  const require = createRequire(new URL('../packages/store/package.json', import.meta.url))
  const moduleDir = dirname(require.resolve('better-sqlite3/package.json'))
  const tarball = join(work, 'better-sqlite3-prebuilt.tar.gz')
  execFileSync('tar', ['-czf', tarball, '-C', moduleDir, 'build/Release/better_sqlite3.node'])
  const body = readFileSync(tarball)
  const requests: string[] = []
  const server = createServer((req, res) => {
    requests.push(req.url ?? '')
    res.writeHead(200, { 'content-type': 'application/gzip', 'content-length': body.length })
    res.end(body)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return { url: `http://127.0.0.1:${port}`, requests, server }
}

/** The first ```ts block of a README: the quick start a user copies. */
function quickStart(readme: string): string {
  const block = /```ts\n([\s\S]*?)```/.exec(readFileSync(readme, 'utf8'))
  if (!block) throw new Error(`${readme}: no \`\`\`ts block`)
  return block[1]!
}

// Sends the listed origins to local servers: preloaded with `node --import`, before the SDK
// captures globalThis.fetch. Everything else goes out unchanged (nothing else is called).
const REDIRECT = `
const routes = JSON.parse(process.env.REDIRECT_ORIGINS)
const realFetch = globalThis.fetch
globalThis.fetch = function redirectedFetch(input, init) {
  const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url
  for (const [from, to] of Object.entries(routes)) {
    if (url.startsWith(from)) {
      const target = to + url.slice(from.length)
      return realFetch(typeof input === 'string' || input instanceof URL ? target : new Request(target, input), init)
    }
  }
  return realFetch(input, init)
}
`

let work: string
let mirror: BinaryMirror
let packed: PackedPackage[]
let deepseek: ReplayServer
let openrouter: ReplayServer
let app: string
let service: string
let redirectEnv: Record<string, string>
const byName = (...names: string[]) => packed.filter((pkg) => names.includes(pkg.name))

/** Each provider's cost in a ledger, every call priced again from the workspace's sources. */
async function expectedCosts(url: string): Promise<Map<string, string | undefined>> {
  const table = defaultPricingTable()
  const store = await openStore(url, { readOnly: true })
  try {
    const { rows } = await store.listCalls({ limit: 100, offset: 0 })
    return new Map(
      rows.map((call) => [
        call.provider,
        priceCall(table, {
          provider: call.provider,
          requestedModel: call.requestedModel,
          servedModel: call.servedModel,
          at: new Date(call.timestamp),
          usage: call.usage,
          serviceTier: call.serviceTier ?? null,
        }).cost?.total,
      ]),
    )
  } finally {
    await store.close()
  }
}

beforeAll(async () => {
  assertDistFresh()
  work = mkdtempSync(join(tmpdir(), 'tokenledger-packed-'))
  packed = packWorkspace(join(work, 'tarballs'))
  mirror = await startBinaryMirror()
  ;[app, service] = await Promise.all([
    // Everything, as the root README installs it, on SQLite.
    installProject('sqlite-app', packed, { openai: OPENAI_VERSION }),
    // A service on PostgreSQL: the meter and pg only.
    installProject(
      'postgres-service',
      byName(
        '@tokenledger/meter',
        '@tokenledger/budget',
        '@tokenledger/store',
        '@tokenledger/pricing',
      ),
      { openai: OPENAI_VERSION, pg: '8.23.1' },
    ),
  ])
  deepseek = await startReplayServer({
    'deepseek-v4-flash': { json: fixtureJson('deepseek-chat-cache-hit.json') },
  })
  openrouter = await startReplayServer(
    { 'deepseek/deepseek-v4-flash': { json: fixtureJson('openrouter-chat.json') } },
    '/api/v1',
  )
  redirectEnv = {
    REDIRECT_ORIGINS: JSON.stringify({
      'https://api.deepseek.com': deepseek.url,
      'https://openrouter.ai/api/v1': openrouter.url,
    }),
    DEEPSEEK_API_KEY: 'test',
    OPENROUTER_API_KEY: 'test',
  }
  for (const dir of [app, service]) writeFileSync(join(dir, 'redirect-fetch.mjs'), REDIRECT)
}, INSTALL_TIMEOUT_MS + 120_000)

afterAll(async () => {
  await Promise.all([deepseek?.close(), openrouter?.close()])
  mirror?.server.close()
  if (work) rmSync(work, { recursive: true, force: true })
})

describe('installed from the packed tarballs with npm', () => {
  it('ships every package with its README, LICENSE and sources, and no workspace: versions', () => {
    for (const pkg of packed) {
      const installed = join(app, 'node_modules', pkg.name)
      for (const file of [
        'README.md',
        'LICENSE',
        'dist/index.js',
        'dist/index.d.ts',
        'src/index.ts',
      ]) {
        expect(existsSync(join(installed, file)), `${pkg.name}: ${file}`).toBe(true)
      }
      expect(readFileSync(join(installed, 'package.json'), 'utf8')).not.toContain('workspace:')
    }
    if (!COMPILE) {
      // One binary for this Node's ABI, fetched once, by the one project that needs SQLite.
      const { version } = JSON.parse(
        readFileSync(join(app, 'node_modules/better-sqlite3/package.json'), 'utf8'),
      ) as { version: string }
      const { modules } = process.versions
      expect(mirror.requests).toEqual([
        `/v${version}/better-sqlite3-v${version}-node-v${modules}-${process.platform}-${process.arch}.tar.gz`,
      ])
    }
  })

  it('runs the meter README quick start as written, and `tokenledger report` shows its calls', async () => {
    const script = join(app, 'meter-quick-start.mjs')
    writeFileSync(script, quickStart(join(app, 'node_modules/@tokenledger/meter/README.md')))
    const result = await run(
      process.execPath,
      ['--import', './redirect-fetch.mjs', script],
      app,
      redirectEnv,
    )
    expect(result.stderr).toBe('')
    expect(result.code).toBe(0)
    expect(deepseek.requests.map((request) => request.path)).toEqual(['/v1/chat/completions'])
    expect(openrouter.requests.map((request) => request.path)).toEqual(['/api/v1/chat/completions'])

    const report = await run(
      join(app, 'node_modules/.bin/tokenledger'),
      ['report', '--db', './tokenledger.db', '--by', 'provider', '--json'],
      app,
    )
    expect(report.stderr).toBe('')
    const rows = JSON.parse(report.stdout) as Array<Record<string, unknown>>
    // The installed copy prices as the workspace does: each stored call priced again by the
    // workspace's own pricing sources at its time (DeepSeek bills by the hour of day, so a figure
    // written by hand would hold only at some hours). OpenRouter's own usage.cost is 0.0001073.
    const expected = await expectedCosts(`sqlite:${join(app, 'tokenledger.db')}`)
    const summary = rows.map((row) => [
      row['group'],
      row['calls'],
      row['cost'],
      row['reportedCost'],
    ])
    expect(summary.sort()).toEqual([
      ['deepseek', 1, expected.get('deepseek'), null],
      ['openrouter', 1, expected.get('openrouter'), '0.0001073'],
    ])
  })

  it('runs `tokenledger estimate` on a batch file', async () => {
    const line = (id: number, content: string) =>
      JSON.stringify({
        custom_id: `request-${id}`,
        method: 'POST',
        url: '/v1/chat/completions',
        body: {
          model: 'deepseek-v4-flash',
          messages: [{ role: 'user', content }],
          max_tokens: 200,
        },
      })
    writeFileSync(
      join(app, 'batch.jsonl'),
      `${line(1, 'Summarise the ticket.')}\n${line(2, 'Translate it.')}\n`,
    )
    const result = await run(
      join(app, 'node_modules/.bin/tokenledger'),
      ['estimate', 'batch.jsonl', '--compare', '--json'],
      app,
    )
    expect(result.code).toBe(0)
    const estimate = JSON.parse(result.stdout) as {
      requests: number
      skipped: number
      providers: Array<{ provider: string }>
    }
    expect(estimate.requests).toBe(2)
    expect(estimate.skipped).toBe(0)
    expect(new Set(estimate.providers.map((row) => row.provider))).toContain('deepseek')
  })

  it('starts `tokenledger dashboard` on the ledger, with chart.js from the installed packages', async () => {
    const child = spawn(
      join(app, 'node_modules/.bin/tokenledger'),
      ['dashboard', '--db', './tokenledger.db', '--port', '0'],
      {
        cwd: app,
        env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '' },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    )
    try {
      const url = await new Promise<string>((resolve, reject) => {
        let stdout = ''
        let stderr = ''
        child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
        child.stdout.on('data', (chunk: Buffer) => {
          stdout += chunk.toString()
          const match = /tokenledger dashboard: (http:\/\/\S+)/.exec(stdout)
          if (match) resolve(match[1]!.replace(/\/$/, ''))
        })
        child.once('exit', (code) => reject(new Error(`dashboard exited with ${code}: ${stderr}`)))
      })
      const overview = await fetch(`${url}/api/overview`)
      expect(overview.status).toBe(200)
      expect(JSON.stringify(await overview.json())).toContain('"calls":2')
      const page = await fetch(`${url}/`)
      expect(page.status).toBe(200)
      expect(await page.text()).toContain('/static/chart.umd.js')
      const chart = await fetch(`${url}/static/chart.umd.js`)
      expect(chart.status).toBe(200)
      expect((await chart.text()).length).toBeGreaterThan(100_000)
    } finally {
      child.kill('SIGTERM')
    }
  })

  it('names the package to install when a PostgreSQL ledger is asked for without pg', async () => {
    expect(existsSync(join(app, 'node_modules/pg'))).toBe(false)
    const result = await run(
      join(app, 'node_modules/.bin/tokenledger'),
      ['report', '--db', 'postgres://nobody@127.0.0.1:9/none'],
      app,
    )
    expect(result.code).not.toBe(0)
    expect(result.stderr).toContain('the pg package is not installed')
    expect(result.stderr).toContain('npm install pg')
  })
})

describe.skipIf(postgres?.skip !== null)(
  'a PostgreSQL service installs the meter and pg only',
  () => {
    let ledger: LedgerFixture

    beforeAll(async () => {
      ledger = await postgres!.fresh()
    })
    afterAll(async () => {
      await ledger?.cleanup()
    })

    it('has no better-sqlite3, and a SQLite ledger URL names the package to install', async () => {
      expect(existsSync(join(service, 'node_modules/better-sqlite3'))).toBe(false)
      const script = join(service, 'open-sqlite.mjs')
      writeFileSync(
        script,
        "import { openStore } from '@tokenledger/store'\n" +
          "await openStore('sqlite:./tokenledger.db').catch((error) => {\n" +
          '  console.log(JSON.stringify({ name: error.name, code: error.code, message: error.message }))\n' +
          '})\n',
      )
      const result = await run(process.execPath, [script], service)
      expect(JSON.parse(result.stdout)).toEqual({
        name: 'TokenledgerError',
        code: 'DRIVER_MISSING',
        message:
          'sqlite:./tokenledger.db: the better-sqlite3 package is not installed; it is an optional ' +
          'peer dependency of @tokenledger/store: run `npm install better-sqlite3`',
      })
    })

    it('meters a call into PostgreSQL', async () => {
      const script = join(service, 'meter-postgres.mjs')
      writeFileSync(
        script,
        quickStart(join(service, 'node_modules/@tokenledger/meter/README.md')).replace(
          "'sqlite:./tokenledger.db'",
          'process.env.LEDGER_URL',
        ),
      )
      const result = await run(
        process.execPath,
        ['--import', './redirect-fetch.mjs', script],
        service,
        {
          ...redirectEnv,
          LEDGER_URL: ledger.url,
        },
      )
      expect(result.stderr).toBe('')
      expect(result.code).toBe(0)
      const store = await openStore(ledger.url, { readOnly: true })
      try {
        const rows = await store.summarize({ groupBy: ['provider'] })
        const expected = await expectedCosts(ledger.url)
        expect(rows.map((row) => [row.group['provider'], row.calls, row.cost]).sort()).toEqual([
          ['deepseek', 1, expected.get('deepseek')],
          ['openrouter', 1, expected.get('openrouter')],
        ])
      } finally {
        await store.close()
      }
    })
  },
)
