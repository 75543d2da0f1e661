/**
 * A worker thread that owns one read-only connection to a SQLite ledger (see
 * sqlite-read-thread.ts). It runs each compiled query it receives exactly as kysely's own
 * SqliteDriver would on the caller's thread, and answers with the rows or the error. A slow query
 * blocks this thread, never the application's event loop.
 */
import { parentPort, workerData } from 'node:worker_threads'
import type { WorkerReply } from './sqlite-worker-channel.js'
import { withStatementCache } from './sqlite-statement-cache.js'
import { openSqliteDatabase } from './sqlite-connection.js'
import type { ReadReply, ReadRequest, ReadWorkerData } from './sqlite-read-protocol.js'
import { serialiseError } from './sqlite-write-protocol.js'

type Reply = WorkerReply<{ result: ReadReply }>

const port = parentPort!
const { path, busyTimeoutMs } = workerData as ReadWorkerData
try {
  const db = await openSqliteDatabase({ path, readOnly: true, busyTimeoutMs })
  const statements = withStatementCache(db)
  port.on('message', (request: ReadRequest) => {
    if (request.kind === 'close') {
      db.close()
      port.close()
      return
    }
    let reply: Reply
    try {
      const started = performance.now()
      const statement = statements.prepare(request.sql)
      let result: ReadReply
      if (statement.reader) {
        // Kept statements are this thread's alone: raw mode stays on for every later run.
        const values = statement.raw(true).all(request.parameters) as unknown[][]
        result = {
          columns: statement.columns().map((column) => column.name),
          values,
          ms: performance.now() - started,
        }
      } else {
        const { changes, lastInsertRowid } = statement.run(request.parameters)
        result = {
          columns: null,
          numAffectedRows: BigInt(changes),
          insertId: BigInt(lastInsertRowid),
          ms: performance.now() - started,
        }
      }
      reply = { id: request.id, result }
    } catch (error) {
      reply = { id: request.id, error: serialiseError(error) }
    }
    port.postMessage(reply)
  })
  port.postMessage({ id: 0, result: { columns: [], values: [], ms: 0 } } satisfies Reply)
} catch (error) {
  port.postMessage({ id: 0, error: serialiseError(error) } satisfies Reply)
}
