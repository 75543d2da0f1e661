// The baseline of bench/proxy-overhead: a bare pass-through proxy on the same runtime as
// `tokenledger proxy`: Hono on @hono/node-server, forwarding over node:http with the proxy's own
// forwarding code (apps/proxy forward-call.js, upstream-client.js), with no metering, no budgets,
// no checks. /deepseek/<path> goes to UPSTREAM/<path>. Prints its port on stdout.
// Usage: node bare-proxy.mjs UPSTREAM_ORIGIN
// The proxy app's own copies of hono and @hono/node-server (the same versions it runs on).
import { serve } from '../../apps/proxy/node_modules/@hono/node-server/dist/index.mjs'
import { Hono } from '../../apps/proxy/node_modules/hono/dist/index.js'
import { forwardCall } from '../../apps/proxy/dist/forward-call.js'
import { upstreamClient } from '../../apps/proxy/dist/upstream-client.js'

const origin = new URL(process.argv[2]).origin
const client = upstreamClient({
  name: 'deepseek',
  base: origin,
  origin,
  basePath: '',
  provider: undefined,
})
const app = new Hono()
app.all('*', async (c) => {
  const { incoming, outgoing } = c.env
  const chunks = []
  for await (const chunk of incoming) chunks.push(chunk)
  const body = chunks.length === 0 ? null : Buffer.concat(chunks)
  return forwardCall({
    incoming,
    outgoing,
    client,
    method: incoming.method,
    path: incoming.url.replace(/^\/deepseek/, ''),
    body,
    exchange: null,
    failed: () => new Response('upstream failed', { status: 502 }),
  })
})
const server = serve(
  { fetch: app.fetch, hostname: '127.0.0.1', port: 0, overrideGlobalObjects: false },
  (info) => process.stdout.write(`${info.port}\n`),
)
process.on('SIGTERM', () => server.close(() => process.exit(0)))
