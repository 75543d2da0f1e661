/**
 * Forwarding one request: sent upstream over node:http, the answer written straight to the
 * caller's Node response as it arrives (status, headers, each chunk; backpressure respected), every
 * chunk going past the meter's body watcher. A caller that goes away aborts the upstream request;
 * an upstream that fails before answering gets the proxy's own error answer.
 */
import type { IncomingMessage, ServerResponse } from 'node:http'
import { RESPONSE_ALREADY_SENT } from '@hono/node-server/utils/response'
import type { BodyWatcher, MeteredExchange } from '@tokenledger/meter'
import { callerHeaders, upstreamHeaders } from './forward-headers.js'
import type { UpstreamClient } from './upstream-client.js'

/** One request to forward. */
export interface ForwardedCall {
  incoming: IncomingMessage
  outgoing: ServerResponse
  client: UpstreamClient
  method: string
  /** Path and query on the upstream's origin. */
  path: string
  /** The body to send (the meter's, when it metered the call). */
  body: string | Uint8Array | null
  /** The meter's view of the call; null: not a metered call. */
  exchange: MeteredExchange | null
  /** The answer to give when the upstream fails before answering. */
  failed: (error: unknown, callerGone: boolean) => Response
}

/** Forwards the call; resolves once the answer is on its way (or the proxy's error answer). */
export function forwardCall(call: ForwardedCall): Promise<Response> {
  const { outgoing, exchange, body } = call
  const length =
    body === null ? null : typeof body === 'string' ? Buffer.byteLength(body) : body.byteLength
  const request = call.client.request(
    call.method,
    call.path,
    upstreamHeaders(call.incoming.rawHeaders, call.client.host, length),
  )
  return new Promise<Response>((resolve) => {
    let watcher: BodyWatcher | null = null
    let answered = false
    let callerGone = false
    outgoing.once('close', () => {
      if (outgoing.writableFinished) return
      // The caller went away: the meter notes it first (aborted, not broken), then the upstream
      // request is dropped.
      callerGone = true
      watcher?.abort(new Error('the client closed the request'))
      request.destroy()
    })
    request.once('error', (error) => {
      if (answered) {
        watcher?.fail(error)
        outgoing.destroy(error)
        return
      }
      exchange?.failed(error, callerGone)
      resolve(call.failed(error, callerGone))
    })
    request.once('response', (upstream) => {
      answered = true
      const status = upstream.statusCode ?? 502
      const type = upstream.headers['content-type']
      const stream = typeof type === 'string' && type.includes('text/event-stream')
      watcher = exchange?.answered(status, upstream.headers) ?? null
      outgoing.writeHead(
        status,
        upstream.statusMessage,
        callerHeaders(upstream.rawHeaders, !stream),
      )
      // A stream's headers go now: the caller's time to first token is the provider's.
      if (stream) outgoing.flushHeaders()
      upstream.on('data', (chunk: Buffer) => {
        const bytes = watcher === null ? chunk : watcher.chunk(chunk)
        if (bytes.byteLength > 0 && !outgoing.write(bytes)) {
          upstream.pause()
          outgoing.once('drain', () => upstream.resume())
        }
      })
      upstream.once('end', () => {
        const rest = watcher === null ? null : watcher.done()
        if (rest !== null && rest.byteLength > 0) outgoing.end(rest)
        else outgoing.end()
      })
      upstream.once('error', (error) => {
        watcher?.fail(error)
        outgoing.destroy(error)
      })
      resolve(RESPONSE_ALREADY_SENT)
    })
    if (body === null) request.end()
    else request.end(body)
  })
}
