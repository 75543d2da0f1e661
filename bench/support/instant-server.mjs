// A loopback OpenAI-compatible server that answers at once with a fixed DeepSeek-style payload, JSON
// or SSE (the request's `stream` flag decides). Run as a child process so its work does not share
// the measured client's event loop. Prints its port on stdout.
import { createServer } from 'node:http'
import { json, sse } from './deepseek-payloads.mjs'

const server = createServer((request, response) => {
  const parts = []
  request.on('data', (part) => parts.push(part))
  request.on('end', () => {
    const body = JSON.parse(Buffer.concat(parts).toString('utf8') || '{}')
    if (body.stream) {
      response.writeHead(200, { 'content-type': 'text/event-stream', 'x-request-id': 'req-bench' })
      response.end(sse)
    } else {
      response.writeHead(200, { 'content-type': 'application/json', 'x-request-id': 'req-bench' })
      response.end(json)
    }
  })
})
server.keepAliveTimeout = 60_000
server.listen(0, '127.0.0.1', () => process.stdout.write(`${server.address().port}\n`))
process.on('disconnect', () => process.exit(0))
