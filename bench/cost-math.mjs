// Cost math: calls priced per second through the real pricing table (card lookup + exact bigint
// math), against a plain float multiply of the same rates as the baseline; and exactness of the sum
// of 10 million priced calls against the closed-form product.
import { defaultPricingTable, picoFromUsd, usdFromPico } from '../packages/pricing/dist/index.js'
import { fileURLToPath } from 'node:url'

export async function run({ quick = false, log = () => {} } = {}) {
  const calls = quick ? 1_000_000 : 10_000_000
  const table = defaultPricingTable()
  const at = new Date('2026-05-01T00:00:00Z')
  const usage = {
    inputTokens: 12_345,
    cacheReadTokens: 6_789,
    cacheWriteTokens: 0,
    outputTokens: 987,
    reasoningTokens: 321,
  }
  const request = { provider: 'deepseek', model: 'deepseek-v4-flash', at, usage }

  // Baseline: what a float-based tracker does per call (rates already looked up).
  const rates = { input: 0.14, cacheRead: 0.0028, output: 0.28 }
  let floatSum = 0
  const f0 = process.hrtime.bigint()
  for (let i = 0; i < calls; i++) {
    // The input varies per call (as `extra` below) so the engine cannot hoist the product out of the loop.
    const input = usage.inputTokens + (i % 1000)
    floatSum +=
      ((input - usage.cacheReadTokens) * rates.input +
        usage.cacheReadTokens * rates.cacheRead +
        usage.outputTokens * rates.output) /
      1e6
  }
  const floatNs = Number(process.hrtime.bigint() - f0)

  let exactSum = 0n
  const e0 = process.hrtime.bigint()
  const requests = Array.from({ length: 1000 }, (_, extra) => ({
    ...request,
    usage: { ...usage, inputTokens: usage.inputTokens + extra },
  }))
  for (let i = 0; i < calls; i++) {
    exactSum += table.price(requests[i % 1000]).totalPico
    if (i % 1_000_000 === 999_999) log(`  priced ${(i + 1).toLocaleString('en-US')} calls`)
  }
  const exactNs = Number(process.hrtime.bigint() - e0)
  const baseline = await compareWithBaseline(table, requests, calls, log)

  // One call: 5,556 fresh x 0.14 + 6,789 x 0.0028 + 987 x 0.28 = 0.00107400920 USD... computed in integers:
  const onePico = 5_556n * 140_000n + 6_789n * 2_800n + 987n * 280_000n
  // Plus the varying extra fresh input: (calls / 1000) rounds of 0 + 1 + ... + 999 tokens at 0.14.
  const expected = onePico * BigInt(calls) + 140_000n * BigInt(calls / 1000) * 499_500n
  const exact = exactSum === expected
  const perSecond = Math.round(calls / (exactNs / 1e9))
  return {
    name: 'cost-math',
    target: 'sum of 10M priced calls equals the closed-form total to the last digit',
    met: exact,
    ratio: {
      label: 'exact pricing time / float multiply time',
      value: (exactNs / floatNs).toFixed(1),
    },
    figures: [
      { label: 'calls priced', value: calls.toLocaleString('en-US') },
      {
        label: 'calls priced per second (card lookup + bigint math)',
        value: perSecond.toLocaleString('en-US'),
      },
      { label: 'per call', value: `${(exactNs / calls).toFixed(0)} ns` },
      { label: 'float baseline per call', value: `${(floatNs / calls).toFixed(1)} ns` },
      { label: 'exact sum', value: `${usdFromPico(exactSum)} USD` },
      { label: 'expected (closed form)', value: `${usdFromPico(expected)} USD` },
      { label: 'exact sum equals closed form', value: exact ? 'yes' : 'NO' },
      ...(baseline?.figures ?? []),
      {
        label: 'float sum of the same calls',
        value: `${floatSum} USD (off by ${usdFromPico(picoFromUsd(floatSum.toFixed(12)) - expected)})`,
      },
    ],
    notes: [
      'Pricing looks up the card in force (history, windows, tiers) on every call; the float loop does not.',
      ...(baseline
        ? []
        : [`No baseline build compared: set ${BASELINE_ENV} (see the comment in cost-math.mjs).`]),
    ],
  }
}

/**
 * Side by side with another build of @tokenledger/pricing (an earlier release, say), when
 * TOKENLEDGER_BENCH_BASELINE names its dist/index.js: rounds alternate between the two tables on the
 * same requests, so machine load weighs on both alike. To build the round-1 package:
 *   git archive 1099953 packages/pricing pricing tsconfig.base.json | tar -x -C /tmp/r1
 *   (cd /tmp/r1/packages/pricing && ln -s <repo>/packages/pricing/node_modules node_modules && npx tsc -p .)
 */
const BASELINE_ENV = 'TOKENLEDGER_BENCH_BASELINE'

async function compareWithBaseline(table, requests, calls, log) {
  const path = process.env[BASELINE_ENV]
  if (!path) return null
  const old = (await import(path)).defaultPricingTable()
  const rounds = 6
  const perRound = Math.floor(calls / rounds / 1000) * 1000
  const ns = { current: 0, baseline: 0 }
  let sums = { current: 0n, baseline: 0n }
  for (let round = 0; round < rounds * 2; round++) {
    const side = round % 2 === 0 ? 'current' : 'baseline'
    const priced = side === 'current' ? table : old
    let sum = 0n
    const t0 = process.hrtime.bigint()
    for (let i = 0; i < perRound; i++) sum += priced.price(requests[i % 1000]).totalPico
    ns[side] += Number(process.hrtime.bigint() - t0)
    sums = { ...sums, [side]: sums[side] + sum }
  }
  const rate = (side) => Math.round((perRound * rounds) / (ns[side] / 1e9))
  log(`  baseline ${path}: ${rate('baseline')} calls/s, this build ${rate('current')} calls/s`)
  return {
    figures: [
      { label: 'baseline build compared', value: path },
      {
        label: 'calls priced per second, this build / baseline (alternating rounds)',
        value: `${rate('current').toLocaleString('en-US')} / ${rate('baseline').toLocaleString('en-US')} (${(rate('current') / rate('baseline')).toFixed(2)}x)`,
      },
      { label: 'same sums on both builds', value: sums.current === sums.baseline ? 'yes' : 'NO' },
    ],
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const result = await run({ quick: process.argv.includes('--quick'), log: console.error })
  console.log(JSON.stringify(result, null, 2))
}
