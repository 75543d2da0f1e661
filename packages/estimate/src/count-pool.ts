/**
 * Counts a whole batch file, in the main thread or on worker threads, yielding chunk results in
 * file order.
 *
 * Workers pay off on large files only: each one builds its own encoder (about a second for o200k)
 * and its caches start cold. With `workers: 'auto'` a file over 48 MB gets one worker per core, up
 * to 2 (the main thread also has work: reading, prefix tracking, aggregation). At most three chunks
 * per worker are in flight, so memory stays flat whatever the file size; reading waits for results.
 */
import { existsSync, statSync } from 'node:fs'
import { availableParallelism } from 'node:os'
import { fileURLToPath } from 'node:url'
import { Worker } from 'node:worker_threads'
import { DEFAULT_CHUNK_BYTES, type LineChunk, readLineChunks } from './batch-reader.js'
import { type ChunkCountOptions, type ChunkResult, countChunk } from './chunk-counter.js'

/** How to count a file. */
export interface CountFileOptions extends ChunkCountOptions {
  /** Worker threads: a number (0 = main thread only) or 'auto' (default). */
  workers?: number | 'auto'
  /** Target chunk size in bytes (default 512 kB). */
  chunkBytes?: number
}

/** Files smaller than this are counted in the main thread under 'auto'. */
export const AUTO_WORKERS_MIN_BYTES = 48 * 1024 * 1024
const IN_FLIGHT_PER_WORKER = 3

// The compiled worker sits beside this file in dist/. Running from TypeScript sources (tests), it
// does not exist, and counting stays in the main thread.
const workerUrl = new URL('./count-worker.js', import.meta.url)

/**
 * Node flags for the workers. They inherit the parent's by default, but a parent started with
 * `node --input-type=module -e ...` would make every worker fail to start; such a parent's workers
 * get no flags (passing a filtered list is not an option: per-process flags such as
 * --max-old-space-size are rejected when given to a worker explicitly).
 */
function workerExecArgv(): string[] | undefined {
  const evaluated = process.execArgv.some((flag) =>
    /^(-e|--eval|-p|--print|--input-type)(=|$)/.test(flag),
  )
  return evaluated ? [] : undefined
}

/** True when the compiled worker script is available (running from dist/). */
export function workersAvailable(): boolean {
  return workerUrl.protocol === 'file:' && existsSync(fileURLToPath(workerUrl))
}

/** How many workers `options.workers` means for a file of this size. */
export function resolveWorkers(requested: number | 'auto' | undefined, fileBytes: number): number {
  if (!workersAvailable()) return 0
  if (requested === undefined || requested === 'auto') {
    return fileBytes >= AUTO_WORKERS_MIN_BYTES ? Math.min(2, availableParallelism()) : 0
  }
  if (!Number.isSafeInteger(requested) || requested < 0) {
    throw new RangeError(
      `workers: expected 'auto' or a non-negative integer, got ${String(requested)}`,
    )
  }
  return requested
}

/** The counting of one file, started: its chunk results in order, and how it was done. */
export interface FileCount {
  workers: number
  totalBytes: number
  results: AsyncGenerator<ChunkResult>
}

/** Starts counting a file. Iterate `results` to drive it; breaking out stops the workers. */
export function countFile(path: string, options: CountFileOptions): FileCount {
  const totalBytes = statSync(path).size
  const workers = resolveWorkers(options.workers, totalBytes)
  const chunkOptions: ChunkCountOptions = { file: options.file, context: options.context }
  // In the main thread a chunk is counted before the next is read, so it can be a view of the
  // reading buffer; chunks posted to workers need their own bytes.
  const chunks = readLineChunks(path, options.chunkBytes ?? DEFAULT_CHUNK_BYTES, workers > 0)
  const results =
    workers === 0 ? inline(chunks, chunkOptions) : pooled(chunks, chunkOptions, workers)
  return { workers, totalBytes, results }
}

async function* inline(
  chunks: AsyncGenerator<LineChunk>,
  options: ChunkCountOptions,
): AsyncGenerator<ChunkResult> {
  for await (const chunk of chunks) yield countChunk(chunk, options)
}

interface PoolWorker {
  worker: Worker
  /** Resolvers of the chunks posted to this worker, oldest first (a worker answers in order). */
  queue: Array<{ resolve: (result: ChunkResult) => void; reject: (error: Error) => void }>
}

async function* pooled(
  chunks: AsyncGenerator<LineChunk>,
  options: ChunkCountOptions,
  size: number,
): AsyncGenerator<ChunkResult> {
  const pool: PoolWorker[] = []
  const execArgv = workerExecArgv()
  const workerOptions = execArgv ? { execArgv } : {}
  let failure: Error | null = null
  const fail = (error: Error) => {
    failure ??= error
    for (const member of pool) for (const waiter of member.queue.splice(0)) waiter.reject(error)
  }
  for (let index = 0; index < size; index++) {
    const member: PoolWorker = {
      worker: new Worker(workerUrl, { workerData: options, ...workerOptions }),
      queue: [],
    }
    member.worker.on('message', (result: ChunkResult) => member.queue.shift()?.resolve(result))
    member.worker.on('error', fail)
    member.worker.on('exit', (code) => {
      if (member.queue.length > 0)
        fail(new Error(`a counting worker exited with code ${code} while chunks were pending`))
    })
    pool.push(member)
  }
  const pending = new Map<number, Promise<ChunkResult>>()
  let next = 0
  let done = false
  try {
    while (true) {
      while (!done && pending.size < size * IN_FLIGHT_PER_WORKER) {
        const step = await chunks.next()
        if (step.done) {
          done = true
          break
        }
        const chunk = step.value
        // The least busy worker; ties go to the first, so chunk order spreads evenly.
        const member = pool.reduce((best, candidate) =>
          candidate.queue.length < best.queue.length ? candidate : best,
        )
        const result = new Promise<ChunkResult>((resolve, reject) => {
          if (failure) reject(failure)
          else member.queue.push({ resolve, reject })
        })
        // Awaited in order below; this keeps a failure of a later chunk from being "unhandled" meanwhile.
        result.catch(() => undefined)
        pending.set(chunk.index, result)
        member.worker.postMessage(chunk, [chunk.bytes.buffer as ArrayBuffer])
      }
      const result = pending.get(next)
      if (!result) break
      pending.delete(next)
      next++
      yield await result
    }
  } finally {
    await chunks.return(undefined)
    await Promise.all(pool.map((member) => member.worker.terminate()))
  }
}
