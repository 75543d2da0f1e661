/**
 * Records still queued when a process ends are written: on a normal end (`beforeExit`) and on
 * SIGTERM, after which the process still dies of the signal. Each case runs the BUILT meter in a
 * child process (the root `pnpm test` builds first) against a replay server in this process, with
 * a flush interval far longer than the run, so only the exit path can have written the records.
 *
 * The second part measures every way a process can end, on SQLite and on PostgreSQL, with the
 * meter's default settings and the end coming right after the last call; it prints the table the
 * meter README shows (and writes it to test-output/exit-paths.md).
 */
import { execFile, spawn } from 'node:child_process'
import { mkdirSync } from 'node:fs'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { openStore } from '@tokenledger/store'
import { ENGINES, type LedgerFixture } from '@tokenledger/store/testing/engines'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { fixtureJson } from '../packages/meter/src/normalisers/__fixtures__/read-fixture.js'
import { type ReplayServer, startReplayServer } from './helpers/replay-server.js'

const METER = new URL('../packages/meter/dist/index.js', import.meta.url).href

let dir: string
let server: ReplayServer

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'tokenledger-meter-exit-'))
  server = await startReplayServer({
    'deepseek-v4-flash': { json: fixtureJson('deepseek-chat-cache-hit.json') },
  })
})

afterAll(async () => {
  await server?.close()
  rmSync(dir, { recursive: true, force: true })
})

/** A child script: `calls` metered calls, then `after` (JS run at the end). */
function script(db: string, calls: number, after: string): string {
  const file = join(dir, `child-${Math.random().toString(36).slice(2)}.mjs`)
  writeFileSync(
    file,
    `import { createMeter } from ${JSON.stringify(METER)}
const meter = createMeter({ store: ${JSON.stringify(`sqlite:${db}`)}, provider: 'deepseek', flushIntervalMs: 600000 })
for (let i = 0; i < ${calls}; i++) {
  const response = await meter.fetch(${JSON.stringify(`${server.url}/chat/completions`)}, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'deepseek-v4-flash', messages: [{ role: 'user', content: 'hi' }] }),
  })
  await response.json()
}
if (meter.stats().written !== 0) throw new Error('written before exit: the test proves nothing')
${after}
`,
  )
  return file
}

async function storedCalls(db: string): Promise<number> {
  const store = await openStore(`sqlite:${db}`, { readOnly: true })
  try {
    return (await store.listCalls({ limit: 100, offset: 0 })).total
  } finally {
    await store.close()
  }
}

describe('queued records are written when the process ends', () => {
  it('on a normal end of the script', async () => {
    const db = join(dir, 'normal.db')
    const { code, stderr } = await new Promise<{ code: number | null; stderr: string }>(
      (resolve) => {
        execFile(process.execPath, [script(db, 3, '')], (error, _stdout, stderr) =>
          resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stderr }),
        )
      },
    )
    expect(stderr).toBe('')
    expect(code).toBe(0)
    expect(await storedCalls(db)).toBe(3)
  })

  it('on SIGTERM, and the process still dies of the signal', async () => {
    const db = join(dir, 'sigterm.db')
    const child = spawn(
      process.execPath,
      [script(db, 2, "console.log('ready'); setInterval(() => {}, 1000)")],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    )
    let stderr = ''
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
    await new Promise<void>((resolve) =>
      child.stdout.on('data', (chunk: Buffer) => chunk.toString().includes('ready') && resolve()),
    )
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
      child.on('exit', (code, signal) => resolve({ code, signal })),
    )
    child.kill('SIGTERM')
    expect(await exited).toEqual({ code: null, signal: 'SIGTERM' })
    expect(stderr).toBe('')
    expect(await storedCalls(db)).toBe(2)
  })
})

/** How a child ends, right after its last call. */
const ENDINGS = {
  'normal end': { code: '', expect: { code: 0, signal: null } },
  'close()': { code: 'await meter.close()', expect: { code: 0, signal: null } },
  SIGTERM: { code: 'READY', signal: 'SIGTERM', expect: { code: null, signal: 'SIGTERM' } },
  SIGINT: { code: 'READY', signal: 'SIGINT', expect: { code: null, signal: 'SIGINT' } },
  'process.exit()': { code: 'process.exit(0)', expect: { code: 0, signal: null } },
  "app's own SIGTERM handler calling process.exit()": {
    code: "process.on('SIGTERM', () => process.exit(3)); READY",
    signal: 'SIGTERM',
    expect: { code: 3, signal: null },
  },
  'uncaught exception': {
    code: "setImmediate(() => { throw new Error('app bug') })",
    expect: { code: 1, signal: null },
  },
  SIGKILL: { code: 'READY', signal: 'SIGKILL', expect: { code: null, signal: 'SIGKILL' } },
} as const satisfies Record<
  string,
  {
    code: string
    signal?: NodeJS.Signals
    expect: { code: number | null; signal: NodeJS.Signals | null }
  }
>

type Ending = keyof typeof ENDINGS
const EXIT_CALLS = 40
/** What must survive, per engine: every record, or what the periodic writes got in (measured). */
const MUST_KEEP_ALL: Record<'sqlite' | 'postgres', Ending[]> = {
  sqlite: [
    'normal end',
    'close()',
    'SIGTERM',
    'SIGINT',
    'process.exit()',
    "app's own SIGTERM handler calling process.exit()",
    'uncaught exception',
  ],
  postgres: ['normal end', 'close()', 'SIGTERM', 'SIGINT'],
}
const measured: Record<string, Partial<Record<Ending, number>>> = {}

function endingScript(storeUrl: string, ending: Ending): string {
  const file = join(dir, `exit-${Math.random().toString(36).slice(2)}.mjs`)
  const end = ENDINGS[ending].code.replace(
    'READY',
    "console.log('ready'); setInterval(() => {}, 1000)",
  )
  writeFileSync(
    file,
    `import { createMeter } from ${JSON.stringify(METER)}
const meter = createMeter({ store: ${JSON.stringify(storeUrl)}, provider: 'deepseek' })
for (let i = 0; i < ${EXIT_CALLS}; i++) {
  const response = await meter.fetch(${JSON.stringify(`${server.url}/chat/completions`)}, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'deepseek-v4-flash', messages: [{ role: 'user', content: 'hi ' + i }] }),
  })
  await response.json()
}
${end}
`,
  )
  return file
}

async function runEnding(
  storeUrl: string,
  ending: Ending,
): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  const child = spawn(process.execPath, [endingScript(storeUrl, ending)], {
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal })),
  )
  const signal =
    'signal' in ENDINGS[ending] ? (ENDINGS[ending] as { signal: NodeJS.Signals }).signal : undefined
  if (signal) {
    await new Promise<void>((resolve) =>
      child.stdout.on('data', (chunk: Buffer) => chunk.toString().includes('ready') && resolve()),
    )
    child.kill(signal)
  }
  return exited
}

describe.each(ENGINES)('what survives each way out, on $name', (engine) => {
  it.skipIf(engine.skip !== null).each(Object.keys(ENDINGS) as Ending[])(
    '%s',
    async (ending) => {
      const fixture: LedgerFixture = await engine.fresh()
      try {
        await (await openStore(fixture.url)).close()
        const result = await runEnding(fixture.url, ending)
        expect(result).toEqual(ENDINGS[ending].expect)
        const store = await openStore(fixture.url, { readOnly: true })
        let stored: number
        try {
          const { rows, total } = await store.listCalls({ limit: 1000, offset: 0 })
          expect(new Set(rows.map((row) => row.id)).size).toBe(total)
          stored = total
        } finally {
          await store.close()
        }
        ;(measured[engine.name] ??= {})[ending] = stored
        if (MUST_KEEP_ALL[engine.name].includes(ending)) expect(stored).toBe(EXIT_CALLS)
        else expect(stored).toBeLessThanOrEqual(EXIT_CALLS)
      } finally {
        await fixture.cleanup()
      }
    },
    30_000,
  )
})

afterAll(() => {
  const engines = Object.keys(measured)
  if (engines.length === 0) return
  const lines = [
    `| way out (right after the last of ${EXIT_CALLS} calls) | ${engines.join(' | ')} |`,
    `|---|${engines.map(() => '---').join('|')}|`,
    ...(Object.keys(ENDINGS) as Ending[]).map(
      (ending) =>
        `| ${ending} | ${engines.map((name) => `${measured[name]?.[ending] ?? '-'} / ${EXIT_CALLS}`).join(' | ')} |`,
    ),
  ]
  const table = lines.join('\n')
  console.log(table)
  const out = new URL('../test-output/', import.meta.url)
  mkdirSync(out, { recursive: true })
  writeFileSync(new URL('exit-paths.md', out), `${table}\n`)
})
