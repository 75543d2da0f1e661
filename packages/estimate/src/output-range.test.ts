import { describe, expect, it } from 'vitest'
import type { ModelHistory } from './ledger-history.js'
import {
  FALLBACK_MAX_OUTPUT,
  outputModelFrom,
  outputRange,
  percentile,
  sizeBucket,
} from './output-range.js'

function history(pairs: Array<[number, number]>): ModelHistory {
  return {
    model: 'm',
    calls: pairs.length,
    matchingCalls: pairs.length,
    sample: { input: pairs.map(([input]) => input), output: pairs.map(([, output]) => output) },
    calibration: { calls: 0, reportedInput: 0, countedInput: 0 },
  }
}

describe('output ranges', () => {
  it('takes nearest-rank percentiles', () => {
    const sorted = Array.from({ length: 10 }, (_, i) => (i + 1) * 10)
    expect(percentile(sorted, 10)).toBe(10)
    expect(percentile(sorted, 50)).toBe(50)
    expect(percentile([7], 10)).toBe(7)
    expect(sizeBucket(1000)).toBe(9)
    expect(sizeBucket(1024)).toBe(10)
    expect(sizeBucket(0)).toBe(0)
  })

  it('uses defaults below 20 calls, history above, and prompt-size bands with 20 calls of their own', () => {
    expect(outputModelFrom(null, false)).toMatchObject({
      source: 'default',
      low: 50,
      expected: 300,
    })
    expect(outputModelFrom(history([[10, 5]]), true)).toMatchObject({
      source: 'default',
      low: 300,
      expected: 2000,
    })
    const pairs: Array<[number, number]> = [
      ...Array.from({ length: 20 }, (_, i): [number, number] => [100, i + 1]),
      ...Array.from({ length: 19 }, (_, i): [number, number] => [3000, 1000 + i]),
    ]
    const model = outputModelFrom(history(pairs), false)
    expect(model).toMatchObject({ source: 'ledger', calls: 39 })
    expect([...model.bySize.keys()]).toEqual([6]) // 19 calls in band 11 are not enough
    expect(model.bySize.get(6)).toEqual({ low: 2, expected: 10, calls: 20 })
  })

  it('bounds each request by its limit, the model, the context window, or an assumed maximum', () => {
    const model = outputModelFrom(null, false)
    const base = {
      inputTokens: 1000,
      maxOutputTokens: null,
      choices: 1,
      modelMaxOutput: null,
      contextWindow: null,
    }
    expect(outputRange(model, { ...base, maxOutputTokens: 100 })).toMatchObject({
      low: 50,
      expected: 100,
      high: 100,
    })
    expect(outputRange(model, { ...base, modelMaxOutput: 8192 })).toMatchObject({
      high: 8192,
      highAssumed: false,
    })
    expect(outputRange(model, { ...base, contextWindow: 4096 })).toMatchObject({
      high: 3096,
      highAssumed: false,
    })
    expect(outputRange(model, base)).toMatchObject({ high: FALLBACK_MAX_OUTPUT, highAssumed: true })
    expect(outputRange(model, { ...base, maxOutputTokens: 1000, choices: 3 })).toMatchObject({
      low: 150,
      expected: 900,
      high: 3000,
    })
  })
})
