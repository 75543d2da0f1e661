/**
 * PostgreSQL backends terminated from the server side while calls go on (issue 9, item 2): a
 * server restart, a failover or an idle reaper must never kill the metered application. A child
 * process runs the BUILT meter against the real PostgreSQL, making calls until told to stop; this
 * process terminates every backend of the child's own `application_name` again and again with
 * `pg_terminate_backend`. Before the fix the child died of `Unhandled 'error' event ... Connection
 * terminated unexpectedly` (a checked-out client had no error listener).
 */
import { spawn } from 'node:child_process'
import { createRequire } from 'node:module'
import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { openStore } from '@tokenledger/store'
import { ENGINES, PG_URL } from '@tokenledger/store/testing/engines'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { fixtureJson } from '../packages/meter/src/normalisers/__fixtures__/read-fixture.js'
import { type ReplayServer, startReplayServer } from './helpers/replay-server.js'

// The store's own PostgreSQL driver, for the administrator's connection.
const pg = createRequire(new URL('../packages/store/package.json', import.meta.url))(
  'pg',
) as typeof import('pg')
const METER = new URL('../packages/meter/dist/index.js', import.meta.url).href
const TRIALS = 4
const TERMINATIONS = 40

const postgres = ENGINES.find((engine) => engine.name === 'postgres')
let dir: string
let server: ReplayServer

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'tokenledger-pg-terminate-'))
  server = await startReplayServer({
    'deepseek-v4-flash': { json: fixtureJson('deepseek-chat-cache-hit.json') },
  })
})

afterAll(async () => {
  await server?.close()
  rmSync(dir, { recursive: true, force: true })
})

/** The child: calls until stdin says stop, then close() and print the meter's counters. */
function childScript(storeUrl: string): string {
  const file = join(dir, `child-${randomBytes(4).toString('hex')}.mjs`)
  writeFileSync(
    file,
    `import { createMeter } from ${JSON.stringify(METER)}
const meter = createMeter({ store: ${JSON.stringify(storeUrl)}, provider: 'deepseek', flushIntervalMs: 2, retryDelayMs: 5, batchSize: 3, onError: () => {} })
let stop = false
let calls = 0
process.stdin.on('data', () => { stop = true })
while (!stop) {
  const response = await meter.fetch(${JSON.stringify(`${server.url}/chat/completions`)}, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'deepseek-v4-flash', messages: [{ role: 'user', content: 'hi' }] }),
  })
  await response.json()
  if (++calls === 20) console.log('ready')
}
for (let attempt = 0; ; attempt++) {
  try {
    await meter.flush()
    break
  } catch (error) {
    if (attempt === 50) throw error
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
}
await meter.close()
console.log(JSON.stringify({ calls, ...meter.stats() }))
process.stdin.destroy()
`,
  )
  return file
}

describe.skipIf(!postgres || postgres.skip !== null)(
  'PostgreSQL backends terminated mid-run',
  () => {
    it(`never kill the metered process (${TRIALS} runs x ${TERMINATIONS} terminations); every call lands`, async () => {
      const admin = new pg.Client({
        connectionString: PG_URL,
        application_name: 'tl_terminate_test_admin',
      })
      await admin.connect()
      try {
        for (let trial = 0; trial < TRIALS; trial++) {
          const fixture = await postgres!.fresh()
          try {
            // Create the schema first, so terminations hit metering and not the migration.
            await (await openStore(fixture.url)).close()
            const app = `tl_terminate_${randomBytes(4).toString('hex')}`
            const child = spawn(
              process.execPath,
              [childScript(`${fixture.url}&application_name=${app}`)],
              {
                stdio: ['pipe', 'pipe', 'pipe'],
              },
            )
            let stdout = ''
            let stderr = ''
            child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
            const exited = new Promise<number | null>((resolve) =>
              child.on('exit', (code) => resolve(code)),
            )
            await new Promise<void>((resolve, reject) => {
              child.stdout.on('data', (chunk: Buffer) => {
                stdout += chunk.toString()
                if (stdout.includes('ready')) resolve()
              })
              child.on('exit', () => reject(new Error(`child ended before ready: ${stderr}`)))
            })
            let terminated = 0
            for (let i = 0; i < TERMINATIONS; i++) {
              const { rows } = await admin.query<{ done: boolean }>(
                'SELECT pg_terminate_backend(pid) AS done FROM pg_stat_activity WHERE application_name = $1',
                [app],
              )
              terminated += rows.filter((row) => row.done).length
              await new Promise((resolve) => setTimeout(resolve, 5 + (i % 7)))
            }
            child.stdin.write('stop\n')
            const code = await exited
            expect(stderr).toBe('')
            expect(code).toBe(0)
            expect(terminated).toBeGreaterThan(0)
            const stats = JSON.parse(stdout.trim().split('\n').pop()!) as {
              calls: number
              written: number
              dropped: number
            }
            expect(stats.dropped).toBe(0)
            const store = await openStore(fixture.url, { readOnly: true })
            try {
              expect((await store.listCalls({ limit: 1, offset: 0 })).total).toBe(stats.calls)
            } finally {
              await store.close()
            }
          } finally {
            await fixture.cleanup()
          }
        }
      } finally {
        await admin.end()
      }
    }, 120_000)
  },
)
