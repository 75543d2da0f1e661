import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import type { CallRow } from './calls/row-from-record.js'
import { HOUR_MS, ROLLUP_SUM_COLUMNS, RollupDeltas, rollupKeyValues } from './rollups.js'
import type { RollupSource } from './rollups.js'

type Source = RollupSource & Pick<CallRow, 'ts'>

/** The obvious computation: every field as a bigint, per key, one call at a time. */
function reference(calls: { call: Source; sign: 1n | -1n }[]): Map<string, bigint[]> {
  const sums = new Map<string, bigint[]>()
  for (const { call, sign } of calls) {
    const hour = Math.floor(call.ts / HOUR_MS) * HOUR_MS
    const key = [
      hour,
      call.provider,
      call.model ?? '',
      call.model === null ? 'raw' : '',
      call.costPico === null ? 0 : 1,
      call.upstream ?? '',
      call.status,
    ].join('|')
    const s = sums.get(key) ?? ROLLUP_SUM_COLUMNS.map(() => 0n)
    const reported = call.reportedCostPico !== null
    const add = [
      1n,
      call.costPico !== null ? 1n : 0n,
      reported ? 1n : 0n,
      BigInt(call.inputTokens),
      BigInt(call.cacheReadTokens),
      BigInt(call.cacheWriteTokens),
      BigInt(call.outputTokens),
      BigInt(call.reasoningTokens),
      call.costPico ?? 0n,
      call.cacheSavingsPico ?? 0n,
      call.reportedCostPico ?? 0n,
      reported ? (call.costPico ?? 0n) : 0n,
    ]
    add.forEach((value, i) => (s[i] = s[i]! + sign * value))
    sums.set(key, s)
  }
  for (const [key, s] of sums) if (s.every((v) => v === 0n)) sums.delete(key)
  return sums
}

function actual(deltas: RollupDeltas): Map<string, bigint[]> {
  return new Map(deltas.sorted().map(({ key, sums }) => [rollupKeyValues(key).join('|'), sums]))
}

const tokens = fc.oneof(
  fc.nat({ max: 200_000 }),
  fc.constantFrom(0, 2 ** 32, 2 ** 32 + 1, 2 ** 52, Number.MAX_SAFE_INTEGER),
)
const pico = fc.option(fc.bigInt({ min: 0n, max: 10n ** 20n }), { nil: null })
const call: fc.Arbitrary<Source> = fc.record({
  ts: fc.integer({ min: -3 * HOUR_MS, max: 5 * HOUR_MS }),
  provider: fc.constantFrom('deepseek', 'openrouter'),
  model: fc.constantFrom('deepseek-v4-flash', null),
  upstream: fc.constantFrom('DeepSeek', null),
  status: fc.constantFrom('ok', 'error', 'aborted') as fc.Arbitrary<Source['status']>,
  inputTokens: tokens,
  cacheReadTokens: tokens,
  cacheWriteTokens: tokens,
  outputTokens: tokens,
  reasoningTokens: tokens,
  costPico: pico,
  cacheSavingsPico: pico,
  reportedCostPico: pico,
})

describe('RollupDeltas', () => {
  it('sums exactly like bigints per call, both signs, hours before 1970 included', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ call, sign: fc.constantFrom(1n, -1n) as fc.Arbitrary<1n | -1n> })),
        (calls) => {
          const deltas = new RollupDeltas()
          for (const { call: c, sign } of calls) deltas.add(c, 'raw', sign)
          expect(actual(deltas)).toEqual(reference(calls))
        },
      ),
    )
  })

  it('stays exact when number sums pass 2^53 (folded into bigints)', () => {
    const big: Source = {
      ts: 0,
      provider: 'p',
      model: null,
      upstream: null,
      status: 'ok',
      inputTokens: 2 ** 32,
      cacheReadTokens: 2 ** 32 - 1,
      cacheWriteTokens: 0,
      outputTokens: 3,
      reasoningTokens: 0,
      costPico: 1n,
      cacheSavingsPico: null,
      reportedCostPico: null,
    }
    const deltas = new RollupDeltas()
    const calls = 2 ** 21 + 3 // 2^21 x 2^32 = 2^53: past a double's exact integers
    for (let i = 0; i < calls; i++) deltas.add(big, 'raw')
    const [delta] = deltas.sorted()
    expect(delta?.sums.slice(0, 8)).toEqual([
      BigInt(calls),
      BigInt(calls),
      0n,
      BigInt(calls) * 2n ** 32n,
      BigInt(calls) * (2n ** 32n - 1n),
      0n,
      BigInt(calls) * 3n,
      0n,
    ])
  })

  it('merges sums computed elsewhere (addSums) with per-call contributions', () => {
    const deltas = new RollupDeltas()
    const key = {
      hourTs: 0,
      provider: 'p',
      model: '',
      unknownModel: 'raw',
      priced: 1 as const,
      upstream: '',
      status: 'ok',
    }
    deltas.addSums(
      key,
      ROLLUP_SUM_COLUMNS.map((_, i) => BigInt(i)),
    )
    deltas.add(
      {
        ...key,
        ts: 59,
        model: null,
        upstream: null,
        status: 'ok',
        inputTokens: 5,
        cacheReadTokens: 0,
        cacheWriteTokens: 0,
        outputTokens: 0,
        reasoningTokens: 0,
        costPico: 7n,
        cacheSavingsPico: null,
        reportedCostPico: null,
      },
      'raw',
    )
    expect(deltas.sorted()[0]?.sums).toEqual([1n, 2n, 2n, 8n, 4n, 5n, 6n, 7n, 15n, 9n, 10n, 11n])
  })
})
