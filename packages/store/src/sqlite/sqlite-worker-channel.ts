/**
 * The caller's side of a SQLite worker thread (the write thread, the read threads): starts the
 * worker, matches each answer to its request by id, turns a worker's death into the rejection of
 * every request still waiting, and ends the worker on close. Request 0 is the worker's own "ready"
 * (or the error it could not open the ledger with).
 *
 * The worker is unreferenced while no request waits, so it never keeps a process alive.
 */
import { existsSync } from 'node:fs'
import { Worker } from 'node:worker_threads'
import { TokenledgerError } from '@tokenledger/pricing'
import { deserialiseError } from './sqlite-write-protocol.js'
import type { SerialisedError } from './sqlite-write-protocol.js'

/** What a worker answers: a value for request `id`, or the error it failed with. */
export type WorkerReply<V> = ({ id: number } & V) | { id: number; error: SerialisedError }

/**
 * A worker's script, by file name. From the built package it sits beside this file; when the
 * store runs from its TypeScript sources (the workspace's tests), the built one is used: Node
 * cannot run a TypeScript worker.
 */
function workerScript(name: string, what: string): URL {
  const beside = new URL(`./${name}.js`, import.meta.url)
  if (!import.meta.url.endsWith('.ts')) return beside
  const built = new URL(`../../dist/sqlite/${name}.js`, import.meta.url)
  if (!existsSync(built)) {
    throw new TokenledgerError(
      'STORE_UNAVAILABLE',
      `sqlite ${what} thread: ${built.pathname} is missing; build @tokenledger/store first`,
    )
  }
  return built
}

export class WorkerChannel<Request extends object, V extends object> {
  readonly #worker: Worker
  readonly #pending = new Map<number, { resolve: (reply: V) => void; reject: (e: Error) => void }>()
  #nextId = 1
  #dead: Error | null = null

  private constructor(worker: Worker, what: string) {
    this.#worker = worker
    worker.on('message', (reply: WorkerReply<V>) => {
      const waiting = this.#pending.get(reply.id)
      if (!waiting) return
      this.#pending.delete(reply.id)
      if (this.#pending.size === 0) worker.unref()
      if ('error' in reply) waiting.reject(deserialiseError(reply.error))
      else waiting.resolve(reply)
    })
    const die = (error: Error) => {
      this.#dead ??= error
      for (const waiting of this.#pending.values()) waiting.reject(error)
      this.#pending.clear()
    }
    worker.on('error', die)
    worker.on('exit', () => die(new Error(`the SQLite ${what} thread ended`)))
  }

  /**
   * Starts worker `script` (a file name under sqlite/, without `.js`) with `data`, and waits until
   * it says it has opened the ledger; rejects with the error it could not. `what` names the
   * thread in errors ("write", "read").
   */
  static async start<Request extends object, V extends object>(
    script: string,
    what: string,
    data: unknown,
  ): Promise<WorkerChannel<Request, V>> {
    const worker = new Worker(workerScript(script, what), { workerData: data })
    const channel = new WorkerChannel<Request, V>(worker, what)
    await channel.#send(0, null)
    return channel
  }

  /** Sends the request `make(id)` builds, and resolves to the worker's answer to it. */
  request(make: (id: number) => Request): Promise<V> {
    const id = this.#nextId++
    return this.#send(id, make(id))
  }

  /** Sends a message that has no answer (nothing once the worker is dead). */
  post(message: Request): void {
    if (!this.#dead) this.#worker.postMessage(message)
  }

  /** Sends `closing` (the worker closes its connection and its port) and waits until it ends. */
  async close(closing: Request): Promise<void> {
    if (this.#dead) return
    const ended = new Promise<void>((resolve) => this.#worker.once('exit', () => resolve()))
    this.#worker.postMessage(closing)
    this.#worker.ref()
    await ended
  }

  #send(id: number, request: Request | null): Promise<V> {
    if (this.#dead) return Promise.reject(this.#dead)
    return new Promise<V>((resolve, reject) => {
      this.#pending.set(id, { resolve, reject })
      this.#worker.ref()
      if (request) this.#worker.postMessage(request)
    })
  }
}
