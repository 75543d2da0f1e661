// One process of the budget race (test/budget-race.test.ts), on the built packages:
// - `meter`: a meter with the budgets, calling the upstream through meter.fetch;
// - `proxy`: a `tokenledger proxy` (startProxy) with the budgets, called over HTTP by this process;
// - `holder`: a meter whose calls hang upstream, holding their reservations until it is killed.
// It makes `concurrency` calls at a time until a refusal shows the budget has no room even with
// nothing in flight (or `maxCalls`), and prints one JSON line of what it saw.
// Usage: node budget-racer.mjs MODE DB_URL BUDGETS_JSON UPSTREAM_URL CONCURRENCY MAXCALLS
import { createMeter } from '../../packages/meter/dist/index.js'
import { startProxy } from '../../apps/proxy/dist/index.js'

const [mode, db, budgetsJson, upstream, concurrencyText, maxCallsText] = process.argv.slice(2)
const budgets = JSON.parse(budgetsJson)
const concurrency = Number(concurrencyText)
const maxCalls = Number(maxCallsText)
const body = JSON.stringify({
  model: 'deepseek-v4-flash',
  max_tokens: 200,
  messages: [{ role: 'user', content: `race ${mode} ${process.pid}` }],
})
const errors = []

let send
let close
if (mode === 'proxy') {
  const proxy = await startProxy({
    db,
    port: 0,
    budgets,
    upstreams: [`deepseek=${upstream}`],
    meter: { flushIntervalMs: 10 },
    onError: (error, context) => errors.push(`${context.phase}: ${error.message}`),
  })
  send = async () => {
    const response = await fetch(`${proxy.url}/deepseek/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Bearer sk-race' },
      body,
    })
    const answer = await response.json()
    if (response.status === 429) return { refused: answer.error.budget }
    if (response.status !== 200)
      throw new Error(`status ${response.status}: ${JSON.stringify(answer)}`)
    return { ok: true }
  }
  close = () => proxy.close()
} else {
  const meter = createMeter({
    store: db,
    budgets,
    flushIntervalMs: 10,
    flushOnExit: false,
    onError: (error, context) => errors.push(`${context.phase}: ${error.message}`),
  })
  const deepseek = meter.child({ provider: 'deepseek' })
  send = async () => {
    try {
      const response = await deepseek.fetch(`${upstream}/chat/completions`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          ...(mode === 'holder' ? { 'x-replay': 'hang' } : {}),
        },
        body,
      })
      await response.json()
      return { ok: true }
    } catch (error) {
      if (error?.code === 'BUDGET_EXCEEDED') return { refused: error.details }
      throw error
    }
  }
  close = () => meter.close()
}

if (mode === 'holder') {
  // Take `concurrency` reservations whose calls never end, say so, and wait to be killed.
  for (let i = 0; i < concurrency; i++) void send().catch(() => {})
  const wait = setInterval(() => {}, 1000)
  process.stdout.write(`${JSON.stringify({ holding: concurrency })}\n`)
  process.on('SIGTERM', () => clearInterval(wait))
} else {
  let started = 0
  let allowed = 0
  const refusals = []
  let exhausted = false
  async function worker() {
    while (!exhausted && started < maxCalls) {
      started++
      const result = await send()
      if (result.ok) {
        allowed++
        continue
      }
      refusals.push(result.refused)
      // No room even with nothing in flight anywhere: the budget is spent.
      if (result.refused.reserved === '0') exhausted = true
      else await new Promise((resolve) => setTimeout(resolve, 5))
    }
  }
  await Promise.all(Array.from({ length: concurrency }, worker))
  await close()
  process.stdout.write(`${JSON.stringify({ mode, allowed, refusals, errors })}\n`)
}
