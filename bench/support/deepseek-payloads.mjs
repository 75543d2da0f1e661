// DeepSeek-style answers of the benchmarks: the instant server sends them, and bench/meter-overhead's
// in-memory fetch returns the very same bytes.

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
export const json = JSON.stringify({
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
export const sse = [
  chunk({ role: 'assistant', content: '' }),
  ...Array.from({ length: 20 }, () => chunk({ content: 'Hello! ' })),
  // DeepSeek puts usage on the last chunk that has a choice.
  `data: ${JSON.stringify({ ...base, object: 'chat.completion.chunk', choices: [{ index: 0, delta: {}, finish_reason: 'stop' }], usage })}\n\n`,
  'data: [DONE]\n\n',
].join('')
