// A loopback OpenAI-compatible server that answers at once with a fixed DeepSeek-style payload, JSON
// or SSE (the request's `stream` flag decides). Run as a child process so its work does not share
// the measured client's event loop. Prints its port on stdout.
import { createServer } from 'node:http'

const usage = {
  prompt_tokens: 1200,
  completion_tokens: 300,
  total_tokens: 1500,
  prompt_tokens_details: { cached_tokens: 1024 },
  completion_tokens_details: { reasoning_tokens: 120 },
  prompt_cache_hit_tokens: 1024,
  prompt_cache_miss_tokens: 176,
}
const base = {
  id: 'bench-1',
  object: 'chat.completion',
  created: 1_777_000_000,
  model: 'deepseek-v4-flash',
}
const json = JSON.stringify({
  ...base,
  choices: [
    {
      index: 0,
      message: { role: 'assistant', content: 'Hello! '.repeat(40) },
      finish_reason: 'stop',
    },
  ],
  usage,
})
const chunk = (delta, extra = {}) =>
  `data: ${JSON.stringify({ ...base, object: 'chat.completion.chunk', choices: [{ index: 0, delta, finish_reason: null }], ...extra })}\n\n`
const sse = [
  chunk({ role: 'assistant', content: '' }),
  ...Array.from({ length: 20 }, () => chunk({ content: 'Hello! ' })),
  // DeepSeek puts usage on the last chunk that has a choice.
  `data: ${JSON.stringify({ ...base, object: 'chat.completion.chunk', choices: [{ index: 0, delta: {}, finish_reason: 'stop' }], usage })}\n\n`,
  'data: [DONE]\n\n',
].join('')

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
