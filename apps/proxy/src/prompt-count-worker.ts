/**
 * The worker thread of prompt-counter-thread.ts: answers `{ id, prompt }` with `{ id, tokens }`.
 * The tokenizer (about a second to build, ~150 MB) lives here, off the proxy's event loop.
 * @module
 */
import { parentPort } from 'node:worker_threads'
import type { PromptToCount } from '@tokenledger/budget'
import { promptTokenBound } from './prompt-token-bound.js'

parentPort?.on('message', (message: { id: number; prompt: PromptToCount }) => {
  let tokens: number | undefined
  try {
    tokens = promptTokenBound(message.prompt)
  } catch {
    tokens = undefined // the byte bound stands
  }
  parentPort?.postMessage({ id: message.id, tokens })
})
