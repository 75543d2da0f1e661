/**
 * Records still queued when a process ends are written: on a normal end (`beforeExit`) and on
 * SIGTERM, after which the process still dies of the signal. Each case runs the BUILT meter in a
 * child process (the root `pnpm test` builds first) against a replay server in this process, with
 * a flush interval far longer than the run, so only the exit path can have written the records.
 */
import { execFile, spawn } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { openStore } from '@tokenledger/store'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { fixtureJson } from '../packages/meter/src/normalisers/__fixtures__/read-fixture.js'
import { type ReplayServer, startReplayServer } from './helpers/replay-server.js'

const METER = new URL('../packages/meter/dist/index.js', import.meta.url).href

let dir: string
let server: ReplayServer

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'tokenledger-meter-exit-'))
  server = await startReplayServer({ 'deepseek-v4-flash': { json: fixtureJson('deepseek-chat-cache-hit.json') } })
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
    const { code, stderr } = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
      execFile(process.execPath, [script(db, 3, '')], (error, _stdout, stderr) =>
        resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stderr }),
      )
    })
    expect(stderr).toBe('')
    expect(code).toBe(0)
    expect(await storedCalls(db)).toBe(3)
  })

  it('on SIGTERM, and the process still dies of the signal', async () => {
    const db = join(dir, 'sigterm.db')
    const child = spawn(process.execPath, [script(db, 2, "console.log('ready'); setInterval(() => {}, 1000)")], {
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let stderr = ''
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
    await new Promise<void>((resolve) => child.stdout.on('data', (chunk: Buffer) => chunk.toString().includes('ready') && resolve()))
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
      child.on('exit', (code, signal) => resolve({ code, signal })),
    )
    child.kill('SIGTERM')
    expect(await exited).toEqual({ code: null, signal: 'SIGTERM' })
    expect(stderr).toBe('')
    expect(await storedCalls(db)).toBe(2)
  })
})
