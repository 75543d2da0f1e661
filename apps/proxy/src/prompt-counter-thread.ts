/**
 * The proxy's prompt counter, run on a worker thread: building the o200k tokenizer takes about a
 * second (several under load) and counting a large prompt takes milliseconds, neither of which
 * may stall the requests the proxy is forwarding meanwhile. The worker starts on the first count
 * (budgets far from their limits never count, so never pay for it), stays for the next ones, and
 * is replaced if it dies. A count that does not come back in time, or a dead worker, answers
 * undefined: the byte bound stands, which can only refuse more, never overshoot.
 *
 * Running from TypeScript sources (no compiled worker beside this file), counting happens inline.
 * @module
 */
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { Worker } from 'node:worker_threads'
import type { PromptToCount, PromptTokenCounter } from '@tokenledger/budget'
import { promptTokenBound } from './prompt-token-bound.js'

/** A prompt counter with a worker to stop. */
export interface PromptCounterThread {
  count: PromptTokenCounter
  /** Stops the worker (answers pending counts with undefined). */
  close(): Promise<void>
}

/** Options of `startPromptCounter`. */
export interface PromptCounterOptions {
  /** Longest wait for one count, the tokenizer's first build included. @default 15000 */
  timeoutMs?: number
  /** Told when the worker fails (the call then goes on the byte bound). */
  onError?: (error: Error) => void
}

const workerUrl = new URL('./prompt-count-worker.js', import.meta.url)

/** A counter on a worker thread (see the module comment). */
export function startPromptCounter(options: PromptCounterOptions = {}): PromptCounterThread {
  const timeoutMs = options.timeoutMs ?? 15_000
  const onError = options.onError ?? (() => {})
  if (!existsSync(fileURLToPath(workerUrl))) {
    return { count: promptTokenBound, close: async () => {} }
  }
  let worker: Worker | null = null
  let nextId = 0
  const pending = new Map<number, (tokens: number | undefined) => void>()
  const settleAll = () => {
    for (const resolve of pending.values()) resolve(undefined)
    pending.clear()
  }
  const started = (): Worker => {
    if (worker) return worker
    const thread = new Worker(workerUrl)
    thread.unref()
    thread.on('message', (message: { id: number; tokens: number | undefined }) => {
      pending.get(message.id)?.(message.tokens)
    })
    thread.on('error', (error) => {
      onError(new Error(`proxy: the prompt counter failed (${error.message})`, { cause: error }))
    })
    thread.on('exit', () => {
      if (worker === thread) worker = null
      settleAll()
    })
    worker = thread
    return thread
  }
  return {
    count(prompt: PromptToCount) {
      const id = nextId++
      return new Promise<number | undefined>((resolve) => {
        const timer = setTimeout(() => {
          pending.delete(id)
          resolve(undefined)
        }, timeoutMs)
        timer.unref()
        pending.set(id, (tokens) => {
          clearTimeout(timer)
          pending.delete(id)
          resolve(tokens)
        })
        started().postMessage({ id, prompt })
      })
    },
    async close() {
      const thread = worker
      worker = null
      settleAll()
      if (thread) await thread.terminate()
    },
  }
}
