/** Messages between a SQLite store and its write thread (sqlite-write-thread.ts). */
import { TokenledgerError } from '@tokenledger/pricing'
import type { ColumnValue } from '../calls/column-codecs.js'

/** What the worker is started with. */
export interface WriteWorkerData {
  path: string
  busyTimeoutMs: number
}

/**
 * Rows cross as their column values alone (`rowFromValues` rebuilds them): a third of the cloning.
 * A batch may come in parts (`rows` messages, no answer) before its `insert`, which names the same
 * `batch` and writes them all in one transaction; `drop` discards the parts of a batch that will
 * not be sent whole.
 */
export type WriteRequest =
  | { kind: 'rows'; batch: number; rows: ColumnValue[][] }
  | { kind: 'insert'; id: number; batch: number; rows: ColumnValue[][] }
  | { kind: 'drop'; batch: number }
  | { kind: 'close' }

/** The answer to request `id` (id 0: the worker is ready, or could not open the ledger). */
export type WriteReply = { id: number; inserted: number } | { id: number; error: SerialisedError }

/** An error as it crosses the thread boundary: enough to classify it (data-error.ts) again. */
export interface SerialisedError {
  name: string
  message: string
  code: string | undefined
  tokenledger: boolean
}

export function serialiseError(error: unknown): SerialisedError {
  const e = error instanceof Error ? error : new Error(String(error))
  const code = (e as { code?: unknown }).code
  return {
    name: e.name,
    message: e.message,
    code: typeof code === 'string' ? code : undefined,
    tokenledger: e instanceof TokenledgerError,
  }
}

export function deserialiseError(error: SerialisedError): Error {
  if (error.tokenledger && error.code !== undefined) {
    return new TokenledgerError(
      error.code as ConstructorParameters<typeof TokenledgerError>[0],
      error.message,
    )
  }
  const rebuilt =
    error.name === 'RangeError' ? new RangeError(error.message) : new Error(error.message)
  rebuilt.name = error.name
  if (error.code !== undefined) (rebuilt as Error & { code: string }).code = error.code
  return rebuilt
}
