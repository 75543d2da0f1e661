/**
 * A script that meters calls into PostgreSQL and never calls `meter.close()` ends when its work
 * is done (issue 9, minor item): idle pooled connections must not hold the process open for pg's
 * 10 s idle timeout. The child prints how long it lived after its last flush; the bound asserted is
 * half of that idle timeout, so it tells "held by the pool" from "ended", not how fast anything is.
 */
import { execFile } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { openStore } from '@tokenledger/store'
import { ENGINES } from '@tokenledger/store/testing/engines'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { fixtureJson } from '../packages/meter/src/normalisers/__fixtures__/read-fixture.js'
import { type ReplayServer, startReplayServer } from './helpers/replay-server.js'

const METER = new URL('../packages/meter/dist/index.js', import.meta.url).href
/** pg's default idleTimeoutMillis, for which an idle pool kept the process alive. */
const PG_IDLE_TIMEOUT_MS = 10_000

const postgres = ENGINES.find((engine) => engine.name === 'postgres')
let dir: string
let server: ReplayServer

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'tokenledger-pg-idle-'))
  server = await startReplayServer({
    'deepseek-v4-flash': { json: fixtureJson('deepseek-chat-cache-hit.json') },
  })
})

afterAll(async () => {
  await server?.close()
  rmSync(dir, { recursive: true, force: true })
})

describe.skipIf(!postgres || postgres.skip !== null)('a PostgreSQL meter without close()', () => {
  it('lets a finished script end instead of holding it for the idle timeout', async () => {
    const fixture = await postgres!.fresh()
    try {
      const file = join(dir, `child-${randomBytes(4).toString('hex')}.mjs`)
      writeFileSync(
        file,
        `import { createMeter } from ${JSON.stringify(METER)}
const meter = createMeter({ store: ${JSON.stringify(fixture.url)}, provider: 'deepseek' })
for (let i = 0; i < 3; i++) {
  const response = await meter.fetch(${JSON.stringify(`${server.url}/chat/completions`)}, {
    method: 'POST',
    headers: { 'content-type': 'application/json', connection: 'close' },
    body: JSON.stringify({ model: 'deepseek-v4-flash', messages: [{ role: 'user', content: 'hi' }] }),
  })
  await response.json()
}
await meter.flush()
const flushed = performance.now()
process.on('exit', () => console.log(JSON.stringify({ written: meter.stats().written, livedMs: performance.now() - flushed })))
`,
      )
      const stdout = await new Promise<string>((resolve, reject) =>
        execFile(
          process.execPath,
          [file],
          { timeout: 3 * PG_IDLE_TIMEOUT_MS },
          (error, out, err) =>
            error ? reject(new Error(`${error.message}\n${err}`)) : resolve(out),
        ),
      )
      const { written, livedMs } = JSON.parse(stdout.trim()) as { written: number; livedMs: number }
      expect(written).toBe(3)
      expect(livedMs).toBeLessThan(PG_IDLE_TIMEOUT_MS / 2)
      const store = await openStore(fixture.url, { readOnly: true })
      expect((await store.listCalls({ limit: 1, offset: 0 })).total).toBe(3)
      await store.close()
    } finally {
      await fixture.cleanup()
    }
  }, 60_000)
})
