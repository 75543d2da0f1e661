import { once } from 'node:events'
import { createServer, type Socket } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

// A TCP server standing in for PostgreSQL: it counts connections and hangs up on each, so a
// probe fails fast. The testing entry points read TOKENLEDGER_TEST_PG_URL when they are imported.
const sockets: Socket[] = []
const server = createServer((socket) => {
  sockets.push(socket)
  socket.destroy()
})

beforeAll(async () => {
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  const { port } = server.address() as { port: number }
  process.env['TOKENLEDGER_TEST_PG_URL'] = `postgres://nobody@127.0.0.1:${port}/test`
})
afterAll(async () => {
  server.close()
  await once(server, 'close')
})

describe('the testing entry points', () => {
  it('@tokenledger/store/testing connects to nothing when imported', async () => {
    const testing = await import('./index.js')
    expect(testing.createRecordFactory({ seed: 1 }).batch(3)).toHaveLength(3)
    expect(sockets).toHaveLength(0)
  })

  it('@tokenledger/store/testing/engines probes the PostgreSQL server once, on import', async () => {
    const engines = await import('./engines/index.js')
    expect(sockets).toHaveLength(1)
    expect(engines.PG_URL).toBe(process.env['TOKENLEDGER_TEST_PG_URL'])
    expect(engines.ENGINES.map((engine) => engine.name)).toContain('sqlite')
  })
})
