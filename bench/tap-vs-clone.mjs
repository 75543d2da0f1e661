// Why the meter taps a JSON response instead of cloning it: per call, the caller reads a recorded
// DeepSeek chat completion with `json()` as an SDK does, and the meter gets the body
// - clone: `response.clone()` before the caller reads, then the meter reads the clone's text and
//   parses it (what a plain `fetch` wrapper does);
// - tap: the meter's response tap (packages/meter/src/response-tap.ts) hands it the caller's parse;
// - bare: the caller alone, no meter (the baseline both are measured against).
// Rounds interleave the three (bare, clone, tap, ...) so drift hits each alike. The figures are
// the meter's added time per call, in microseconds of wall time in a process doing nothing else
// (the tap's figure includes the turn of the event loop its delivery waits for).
import { readFileSync } from 'node:fs'
import { tapResponse } from '../packages/meter/dist/response-tap.js'

const body = readFileSync(
  new URL(
    '../packages/meter/src/normalisers/__fixtures__/deepseek-chat-cache-hit.json',
    import.meta.url,
  ),
  'utf8',
)
const headers = { 'content-type': 'application/json' }

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.floor(sorted.length / 2)]
}

async function bare() {
  const response = new Response(body, { headers })
  await response.json()
}

async function viaClone() {
  const response = new Response(body, { headers })
  const copy = response.clone()
  await response.json()
  JSON.parse(await copy.text())
}

async function viaTap() {
  const response = new Response(body, { headers })
  let delivered
  const got = new Promise((resolve) => (delivered = resolve))
  tapResponse(response, delivered, 'json')
  await response.json()
  await got
}

/** Time of `calls` calls of `fn`, in microseconds per call. */
async function batch(fn, calls) {
  const t0 = process.hrtime.bigint()
  for (let i = 0; i < calls; i++) await fn()
  return Number(process.hrtime.bigint() - t0) / 1e3 / calls
}

export async function run({ quick = false, log = () => {} } = {}) {
  const rounds = quick ? 30 : 100
  const calls = 200
  for (const fn of [bare, viaClone, viaTap]) await batch(fn, 2000) // warm-up: JIT
  const times = { bare: [], clone: [], tap: [] }
  for (let r = 0; r < rounds; r++) {
    times.bare.push(await batch(bare, calls))
    times.clone.push(await batch(viaClone, calls))
    times.tap.push(await batch(viaTap, calls))
  }
  const b = median(times.bare)
  const cloneAdds = median(times.clone) - b
  const tapAdds = median(times.tap) - b
  log(
    `bare ${b.toFixed(1)} us/call; clone adds ${cloneAdds.toFixed(1)} us, tap adds ${tapAdds.toFixed(1)} us`,
  )
  return {
    name: 'tap-vs-clone',
    target: 'tapping a JSON body adds less than cloning it',
    met: tapAdds < cloneAdds,
    ratio: {
      label: 'time the meter adds per call, clone / tap',
      value: `${(cloneAdds / tapAdds).toFixed(1)}x`,
    },
    figures: [
      { label: 'bare json() of a 667-byte completion', value: `${b.toFixed(1)} us/call` },
      { label: 'clone + read the copy adds', value: `${cloneAdds.toFixed(1)} us/call` },
      { label: 'tap adds', value: `${tapAdds.toFixed(1)} us/call` },
      { label: 'saved per call by tapping', value: `${(cloneAdds - tapAdds).toFixed(1)} us` },
    ],
    notes: [`${rounds} interleaved rounds of ${calls} calls each; medians of the per-round means.`],
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const result = await run({ quick: process.argv.includes('--quick'), log: console.error })
  console.log(JSON.stringify(result, null, 2))
}
