/**
 * A SQLite ledger's writes, off the caller's thread: a worker thread owns a second connection to
 * the file and runs every insert batch there. better-sqlite3 is synchronous, so on the caller's
 * thread a lock held by another process (busy_timeout) or a stalled disk froze the whole event
 * loop, and every call of the application with it. Rows are validated and converted here first
 * (errors keep naming the record), then cloned to the worker (bigints and all, exactly).
 *
 * The worker is unreferenced while idle, so it never keeps a process alive.
 */
import { existsSync } from 'node:fs'
import { Worker } from 'node:worker_threads'
import { TokenledgerError } from '@tokenledger/pricing'
import type { CallRow } from '../calls/row-from-record.js'
import type { WriteReply, WriteRequest, WriteWorkerData } from './sqlite-write-protocol.js'
import { deserialiseError } from './sqlite-write-protocol.js'

/**
 * The worker's script. From the built package it sits beside this file; when the store runs from
 * its TypeScript sources (the workspace's tests), the built one is used: Node cannot run a
 * TypeScript worker.
 */
function workerScript(): URL {
  const beside = new URL('./sqlite-write-worker.js', import.meta.url)
  if (!import.meta.url.endsWith('.ts')) return beside
  const built = new URL('../../dist/sqlite/sqlite-write-worker.js', import.meta.url)
  if (!existsSync(built)) {
    throw new TokenledgerError(
      'STORE_UNAVAILABLE',
      `sqlite write thread: ${built.pathname} is missing; build @tokenledger/store first`,
    )
  }
  return built
}

export class SqliteWriteThread {
  readonly #worker: Worker
  readonly #pending = new Map<
    number,
    { resolve: (n: number) => void; reject: (e: Error) => void }
  >()
  #nextId = 1
  #dead: Error | null = null

  private constructor(worker: Worker) {
    this.#worker = worker
    worker.on('message', (reply: WriteReply) => {
      const waiting = this.#pending.get(reply.id)
      if (!waiting) return
      this.#pending.delete(reply.id)
      if (this.#pending.size === 0) worker.unref()
      if ('error' in reply) waiting.reject(deserialiseError(reply.error))
      else waiting.resolve(reply.inserted)
    })
    const die = (error: Error) => {
      this.#dead ??= error
      for (const waiting of this.#pending.values()) waiting.reject(error)
      this.#pending.clear()
    }
    worker.on('error', die)
    worker.on('exit', () => die(new Error('the SQLite write thread ended')))
  }

  /** Starts the thread and waits until it has opened the ledger. */
  static async start(data: WriteWorkerData): Promise<SqliteWriteThread> {
    const worker = new Worker(workerScript(), { workerData: data })
    const thread = new SqliteWriteThread(worker)
    await thread.#request(0, null)
    return thread
  }

  /** Inserts converted rows in one transaction on the thread; resolves to how many were new. */
  insert(rows: CallRow[]): Promise<number> {
    const id = this.#nextId++
    return this.#request(id, { kind: 'insert', id, rows })
  }

  /** Closes the thread's connection and ends it. */
  async close(): Promise<void> {
    if (this.#dead) return
    const ended = new Promise<void>((resolve) => this.#worker.once('exit', () => resolve()))
    this.#worker.postMessage({ kind: 'close' } satisfies WriteRequest)
    this.#worker.ref()
    await ended
  }

  #request(id: number, request: WriteRequest | null): Promise<number> {
    if (this.#dead) return Promise.reject(this.#dead)
    return new Promise<number>((resolve, reject) => {
      this.#pending.set(id, { resolve, reject })
      this.#worker.ref()
      if (request) this.#worker.postMessage(request)
    })
  }
}
