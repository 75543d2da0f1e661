/**
 * A local HTTP server that replays recorded provider responses, for end-to-end tests of the real
 * SDKs against real sockets. It listens on 127.0.0.1, port 0, and answers each POST from a route:
 * chosen by the `x-replay` request header when present, else by the request's model (the JSON
 * body's `model`, or Gemini's `/models/{model}:...` path); a streamed request prefers the route
 * `<name> stream` when there is one.
 *
 * A route answers with JSON or with SSE text (sent block by block), can set the status (500...),
 * can stop mid-stream and wait for the client to hang up (`pauseAfterBlocks`: the client sees
 * exactly those blocks, whatever the TCP chunking), or cut the connection mid-stream
 * (`cutAfterBlocks`: the socket is destroyed after those blocks).
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'

/** One recorded answer. */
export interface ReplayRoute {
  /** HTTP status. @default 200 */
  status?: number
  /** A JSON body. */
  json?: unknown
  /** SSE text, sent one blank-line-terminated block at a time. */
  sse?: string
  headers?: Record<string, string>
  /** Send this many SSE blocks, then wait until the client goes away. */
  pauseAfterBlocks?: number
  /** Send this many SSE blocks, then destroy the socket. */
  cutAfterBlocks?: number
}

/** A request the server received. */
export interface ReceivedRequest {
  method: string
  path: string
  headers: IncomingMessage['headers']
  body: Record<string, unknown> | null
  route: string
}

/** A running replay server. */
export interface ReplayServer {
  /** Base URL, e.g. `http://127.0.0.1:41234/v1`. */
  url: string
  /** Every request received, in order. */
  requests: ReceivedRequest[]
  close(): Promise<void>
}

let requestCounter = 0

/**
 * Starts a replay server. `routes` maps a route name (an `x-replay` header value or a model) to
 * its answer; an unmatched request gets a 404 in OpenAI's error shape.
 */
export async function startReplayServer(
  routes: Record<string, ReplayRoute>,
  basePath = '/v1',
): Promise<ReplayServer> {
  const requests: ReceivedRequest[] = []
  const server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (chunk: Buffer) => chunks.push(chunk))
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8')
      let body: Record<string, unknown> | null = null
      try {
        body = text ? (JSON.parse(text) as Record<string, unknown>) : null
      } catch {
        body = null
      }
      const path = req.url ?? '/'
      const gemini = /\/models\/([^/:?]+):/.exec(path)
      const header = req.headers['x-replay']
      const name =
        (typeof header === 'string' ? header : undefined) ??
        (body?.['model'] as string | undefined) ??
        gemini?.[1] ??
        ''
      // A streamed request takes the route `<name> stream` when there is one, so one model can
      // answer JSON and SSE (the README samples call the same model both ways).
      const streamed = body?.['stream'] === true || path.includes(':streamGenerateContent')
      const streamRoute = streamed ? routes[`${name} stream`] : undefined
      requests.push({
        method: req.method ?? 'GET',
        path,
        headers: req.headers,
        body,
        route: streamRoute ? `${name} stream` : name,
      })
      const route = streamRoute ?? routes[name]
      if (!route) {
        send(res, 404, {
          error: {
            message: `replay server: no route for ${JSON.stringify(name)}`,
            type: 'not_found_error',
          },
        })
        return
      }
      void answer(req, res, route)
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}${basePath}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}

function send(
  res: ServerResponse,
  status: number,
  json: unknown,
  headers: Record<string, string> = {},
): void {
  const text = JSON.stringify(json)
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
    'x-request-id': `req_replay_${++requestCounter}`,
    ...headers,
  })
  res.end(text)
}

async function answer(
  req: IncomingMessage,
  res: ServerResponse,
  route: ReplayRoute,
): Promise<void> {
  const status = route.status ?? 200
  if (route.sse === undefined) {
    send(res, status, route.json ?? {}, route.headers)
    return
  }
  res.writeHead(status, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache',
    'x-request-id': `req_replay_${++requestCounter}`,
    ...route.headers,
  })
  const blocks = route.sse.match(/[\s\S]*?\n\n/g) ?? []
  const stopAt = route.cutAfterBlocks ?? route.pauseAfterBlocks ?? blocks.length
  for (const block of blocks.slice(0, stopAt)) {
    await new Promise<void>((resolve) => res.write(block, () => resolve()))
    // Let each block leave as its own TCP segment, like a real provider's token-by-token stream.
    await new Promise((resolve) => setImmediate(resolve))
  }
  if (route.cutAfterBlocks !== undefined) {
    // Give the written blocks time to reach the client before the connection dies.
    await new Promise((resolve) => setTimeout(resolve, 20))
    res.socket?.destroy()
    return
  }
  if (route.pauseAfterBlocks !== undefined) {
    // Hold the stream open until the client hangs up; never send the rest.
    await new Promise<void>((resolve) => {
      req.socket.once('close', () => resolve())
      res.once('close', () => resolve())
    })
    return
  }
  res.end()
}

/**
 * Orders ledger rows as the calls were made: by start time, then (calls started in the same
 * millisecond) by the replay server's request counter, which the rows carry as their request id.
 */
export function callOrder(
  a: { timestamp: string; requestId: string | null },
  b: { timestamp: string; requestId: string | null },
): number {
  const byTime = Date.parse(a.timestamp) - Date.parse(b.timestamp)
  if (byTime !== 0) return byTime
  return replayNumber(a.requestId) - replayNumber(b.requestId)
}

function replayNumber(requestId: string | null): number {
  const match = /^req_replay_(\d+)$/.exec(requestId ?? '')
  return match ? Number(match[1]) : Number.MAX_SAFE_INTEGER
}
