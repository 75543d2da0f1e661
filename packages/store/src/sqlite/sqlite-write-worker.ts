/**
 * The worker thread that owns a SQLite ledger's write connection (see sqlite-write-thread.ts). It
 * receives rows already validated and converted by the store, writes each batch with the same
 * SqliteWriter (one immediate transaction), and answers with the count or the error. Lock waits
 * (busy_timeout) and disk stalls block this thread, never the application's.
 */
import { parentPort, workerData } from 'node:worker_threads'
import { rowFromValues } from '../calls/row-from-record.js'
import { openSqliteDatabase } from './sqlite-connection.js'
import type { WriteReply, WriteRequest, WriteWorkerData } from './sqlite-write-protocol.js'
import { serialiseError } from './sqlite-write-protocol.js'
import { SqliteWriter } from './sqlite-writer.js'

const port = parentPort!
const { path, busyTimeoutMs } = workerData as WriteWorkerData
try {
  const db = await openSqliteDatabase({ path, readOnly: false, busyTimeoutMs })
  const writer = new SqliteWriter(db)
  port.on('message', (request: WriteRequest) => {
    if (request.kind === 'close') {
      db.close()
      port.close()
      return
    }
    const rows = request.rows
    let reply: WriteReply
    try {
      reply = {
        id: request.id,
        inserted: writer.insert({ length: rows.length, rowAt: (i) => rowFromValues(rows[i]!) }),
      }
    } catch (error) {
      reply = { id: request.id, error: serialiseError(error) }
    }
    port.postMessage(reply)
  })
  port.postMessage({ id: 0, inserted: 0 } satisfies WriteReply)
} catch (error) {
  port.postMessage({ id: 0, error: serialiseError(error) } satisfies WriteReply)
}
