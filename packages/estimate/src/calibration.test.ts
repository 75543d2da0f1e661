import { describe, expect, it } from 'vitest'
import { inputCorrection } from './calibration.js'
import { tokenizerFor } from './encodings.js'
import type { ModelHistory } from './ledger-history.js'

const withCalibration = (
  calls: number,
  reportedInput: number,
  countedInput: number,
): ModelHistory => ({
  model: 'deepseek-v4-flash',
  calls,
  matchingCalls: calls,
  sample: { input: [], output: [] },
  calibration: { calls, reportedInput, countedInput },
})

describe('inputCorrection', () => {
  const deepseek = tokenizerFor('deepseek-v4-flash')

  it('is exact for OpenAI models, whatever the ledger says', () => {
    expect(inputCorrection(tokenizerFor('gpt-4o'), withCalibration(50, 200, 100))).toMatchObject({
      method: 'exact',
      perMille: 1000,
    })
  })

  it('uses the family prior without enough tagged calls', () => {
    expect(inputCorrection(deepseek, null)).toMatchObject({
      method: 'approximate',
      perMille: 1050,
      calls: 0,
    })
    expect(inputCorrection(deepseek, withCalibration(4, 400, 300)).note).toMatch(
      /4 tagged ledger call\(s\), 5 needed$/,
    )
  })

  it('calibrates with the ratio of sums, and ignores an implausible one', () => {
    expect(inputCorrection(deepseek, withCalibration(5, 10_830, 10_000))).toMatchObject({
      method: 'calibrated',
      perMille: 1083,
      factor: '1.083',
      calls: 5,
    })
    const odd = inputCorrection(deepseek, withCalibration(9, 30_000, 10_000))
    expect(odd.method).toBe('approximate')
    expect(odd.note).toContain('ledger ratio 3.0 from 9 calls ignored')
  })
})
