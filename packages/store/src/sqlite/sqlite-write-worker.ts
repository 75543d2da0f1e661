/**
 * The worker thread that owns a SQLite ledger's write connection (see sqlite-write-thread.ts). It
 * receives rows already validated and converted by the store (a batch perhaps in parts), writes
 * each batch with the same
 * SqliteWriter (one immediate transaction), and answers with the count or the error. Lock waits
 * (busy_timeout) and disk stalls block this thread, never the application's.
 */
import { parentPort, workerData } from 'node:worker_threads'
import type { ColumnValue } from '../calls/column-codecs.js'
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
  /** Rows of batches whose `insert` has not come yet, by batch. */
  const parts = new Map<number, ColumnValue[][]>()
  port.on('message', (request: WriteRequest) => {
    if (request.kind === 'close') {
      db.close()
      port.close()
      return
    }
    if (request.kind === 'drop') {
      parts.delete(request.batch)
      return
    }
    let rows = parts.get(request.batch)
    if (rows) for (const row of request.rows) rows.push(row)
    else rows = request.rows
    if (request.kind === 'rows') {
      parts.set(request.batch, rows)
      return
    }
    parts.delete(request.batch)
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
