/**
 * Worker-thread entry: counts the chunks the main thread posts and posts each ChunkResult back, in
 * the order received. Each worker keeps its own encoder and memo caches.
 */
import { parentPort, workerData } from 'node:worker_threads'
import type { LineChunk } from './batch-reader.js'
import { type ChunkCountOptions, countChunk } from './chunk-counter.js'

const options = workerData as ChunkCountOptions
const port = parentPort
if (!port) throw new Error('count-worker.js: must run as a worker thread')

port.on('message', (chunk: LineChunk) => {
  port.postMessage(countChunk(chunk, options))
})
