/**
 * `meter.exchange`: the metered call for a gateway that forwards requests with its own HTTP client
 * (`tokenledger proxy` uses node:http). No fetch Response exists there, and making one costs more
 * than the rest of a forwarded call, so the gateway tells the meter what goes by: the request, the
 * answer's status and headers, each chunk of the body as it is forwarded. Everything else (budgets,
 * `include_usage` and the hidden usage chunk, the record) is the same code as `meter.fetch`'s
 * (metered-call.ts).
 */
import { brotliDecompressSync, gunzipSync, inflateSync } from 'node:zlib'
import type { FetchScope, MeterCore } from './meter-core.js'
import {
  type Call,
  observeStream,
  openCall,
  type PreparedCall,
  prepareCall,
  type ResponseHead,
  callThrew,
  settleBody,
  settleHttpError,
} from './metered-call.js'

/** A request a gateway forwards, as `meter.exchange` takes it. */
export interface ExchangeRequest {
  method: string
  /** The body as the caller sent it (a string for JSON), or null. */
  body: string | Uint8Array | null
}

/** Response headers as node:http gives them (lower-case names). */
export type ExchangeHeaders = Readonly<Record<string, string | string[] | undefined>>

/** One forwarded call being metered. */
export interface MeteredExchange {
  /** The body to send upstream: the caller's, or with `include_usage` added (its length changes). */
  readonly body: string | Uint8Array | null
  /** The upstream answered: returns the watcher every chunk of its body must go past. */
  answered(status: number, headers: ExchangeHeaders): BodyWatcher
  /** Nothing came back: a network error, or the caller went away (`aborted`) before the answer. */
  failed(error: unknown, aborted: boolean): void
}

/** Watches a forwarded body. Each method runs in the gateway's path: all are quick, none throws. */
export interface BodyWatcher {
  /** A chunk about to be forwarded; returns the bytes to forward instead (itself, unless filtered). */
  chunk(bytes: Uint8Array): Uint8Array
  /** The upstream's body ended: returns bytes still to forward (a filtered stream's), or null. */
  done(): Uint8Array | null
  /** Reading the upstream's body failed. */
  fail(error: unknown): void
  /** The caller went away before the end. */
  abort(reason?: unknown): void
}

/**
 * Starts metering a forwarded call; null when it is not a metered call (or the meter is closed):
 * forward it untouched.
 * @throws (the promise) TokenledgerError BUDGET_EXCEEDED before anything may be sent.
 */
export function beginExchange(
  core: MeterCore,
  scope: FetchScope,
  url: string,
  request: ExchangeRequest,
): Promise<MeteredExchange> | null {
  const init = {
    method: request.method,
    ...(request.body === null ? {} : { body: request.body }),
  } as RequestInit
  const prepared = prepareCall(core, scope, url, init)
  if (!prepared) return null
  const open = (callId: string | undefined): MeteredExchange =>
    new Exchange(core, scope, openCall(core, url, init, prepared, callId), prepared)
  return prepared.reserving === null
    ? Promise.resolve(open(undefined))
    : prepared.reserving.then(open)
}

class Exchange implements MeteredExchange {
  readonly body: string | Uint8Array | null
  readonly #core: MeterCore
  readonly #scope: FetchScope
  readonly #call: Call

  constructor(core: MeterCore, scope: FetchScope, call: Call, prepared: PreparedCall) {
    this.#core = core
    this.#scope = scope
    this.#call = call
    this.body = (prepared.injected?.body ?? call.init?.body ?? null) as string | Uint8Array | null
  }

  answered(status: number, headers: ExchangeHeaders): BodyWatcher {
    const head: ResponseHead = { status, headers: new HeaderView(headers) }
    // A success, as fetch's `response.ok` says: anything else is recorded as an HTTP error.
    const ok = status >= 200 && status < 300
    const type = headers['content-type']
    if (ok && typeof type === 'string' && type.includes('text/event-stream'))
      return observeStream(this.#core, this.#scope, this.#call, head, null)
    return new WholeBody(this.#core, this.#scope, this.#call, head, ok, headers['content-encoding'])
  }

  failed(error: unknown, aborted: boolean): void {
    callThrew(this.#core, this.#scope, this.#call, error, aborted)
  }
}

/** `headers.get()` over node:http's header object. */
class HeaderView {
  readonly #headers: ExchangeHeaders
  constructor(headers: ExchangeHeaders) {
    this.#headers = headers
  }
  get(name: string): string | null {
    const value = this.#headers[name]
    return value === undefined ? null : Array.isArray(value) ? value.join(', ') : value
  }
}

/**
 * A body the record needs whole (JSON, or an HTTP error's): its chunks are kept (references) as
 * they are forwarded and read once it ends, after the gateway has forwarded the last bytes. Listed
 * with the meter's streams, so close() records one still being read (as aborted).
 */
class WholeBody implements BodyWatcher {
  ended = false
  readonly #core: MeterCore
  readonly #scope: FetchScope
  readonly #call: Call
  readonly #head: ResponseHead
  /** A success (its body is the answer); else an HTTP error (its body names the error). */
  readonly #ok: boolean
  readonly #encoding: string | string[] | undefined
  #chunks: Uint8Array[] = []

  constructor(
    core: MeterCore,
    scope: FetchScope,
    call: Call,
    head: ResponseHead,
    ok: boolean,
    encoding: string | string[] | undefined,
  ) {
    this.#core = core
    this.#scope = scope
    this.#call = call
    this.#head = head
    this.#ok = ok
    this.#encoding = encoding
    core.streams.add(this)
  }

  chunk(bytes: Uint8Array): Uint8Array {
    if (!this.ended) this.#chunks.push(bytes)
    return bytes
  }

  done(): null {
    if (!this.#end()) return null
    const at = performance.now()
    const chunks = this.#chunks
    this.#chunks = []
    // After the gateway's synchronous write of the last bytes: the reading is off its path.
    queueMicrotask(() => {
      const text = decoded(chunks, this.#encoding)
      if (!this.#ok) settleHttpError(this.#core, this.#scope, this.#call, this.#head, text)
      else
        settleBody(
          this.#core,
          this.#scope,
          this.#call,
          this.#head,
          text === null
            ? { kind: 'error', error: new Error('undecodable body'), at }
            : { kind: 'text', text, at },
          false,
        )
    })
    return null
  }

  fail(error: unknown): void {
    this.#stop(error, false)
  }

  abort(reason?: unknown): void {
    this.#stop(reason ?? new Error('the caller went away'), true)
  }

  #stop(error: unknown, aborted: boolean): void {
    if (!this.#end()) return
    this.#chunks = []
    if (!this.#ok) settleHttpError(this.#core, this.#scope, this.#call, this.#head, null)
    else
      settleBody(this.#core, this.#scope, this.#call, this.#head, { kind: 'error', error }, aborted)
  }

  /** Marks the end; false when it had already ended. */
  #end(): boolean {
    if (this.ended) return false
    this.ended = true
    this.#core.streams.delete(this)
    return true
  }
}

/** The body's text, decoded from its content encoding; null when it cannot be decoded. */
function decoded(chunks: Uint8Array[], encoding: string | string[] | undefined): string | null {
  const one = chunks.length === 1 ? chunks[0]! : null
  const bytes = one
    ? Buffer.from(one.buffer, one.byteOffset, one.byteLength)
    : Buffer.concat(chunks)
  const name = (Array.isArray(encoding) ? encoding.join(',') : (encoding ?? ''))
    .trim()
    .toLowerCase()
  try {
    if (name === '' || name === 'identity') return bytes.toString('utf8')
    if (name === 'gzip' || name === 'x-gzip') return gunzipSync(bytes).toString('utf8')
    if (name === 'deflate') return inflateSync(bytes).toString('utf8')
    if (name === 'br') return brotliDecompressSync(bytes).toString('utf8')
  } catch {
    return null
  }
  return null
}
