// The baseline of bench/proxy-overhead: a bare pass-through proxy on the same runtime as
// `tokenledger proxy` (Hono on @hono/node-server, forwarding with fetch), with no metering, no
// budgets, no checks. /deepseek/<path> goes to UPSTREAM/<path>. Prints its port on stdout.
// Usage: node bare-proxy.mjs UPSTREAM_ORIGIN
// The proxy app's own copies of hono and @hono/node-server (the same versions it runs on).
import { serve } from '../../apps/proxy/node_modules/@hono/node-server/dist/index.mjs'
import { Hono } from '../../apps/proxy/node_modules/hono/dist/index.js'

const upstream = process.argv[2]
const HOP = new Set([
  'connection',
  'keep-alive',
  'transfer-encoding',
  'host',
  'content-length',
  'accept-encoding',
])
const app = new Hono()
app.all('*', async (c) => {
  const path = c.req.path.replace(/^\/deepseek/, '')
  const headers = new Headers()
  c.req.raw.headers.forEach((value, name) => !HOP.has(name) && headers.append(name, value))
  const body = c.req.method === 'GET' ? undefined : await c.req.text()
  const response = await fetch(`${upstream}${path}`, {
    method: c.req.method,
    headers,
    body,
    signal: c.req.raw.signal,
  })
  const out = new Headers()
  response.headers.forEach(
    (value, name) => !HOP.has(name) && name !== 'content-encoding' && out.append(name, value),
  )
  const type = response.headers.get('content-type') ?? ''
  const payload = type.includes('text/event-stream') ? response.body : await response.arrayBuffer()
  return new Response(payload, { status: response.status, headers: out })
})
const server = serve(
  { fetch: app.fetch, hostname: '127.0.0.1', port: 0, overrideGlobalObjects: false },
  (info) => process.stdout.write(`${info.port}\n`),
)
process.on('SIGTERM', () => server.close(() => process.exit(0)))
