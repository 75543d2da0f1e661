import { checkUsage, picoFromUsd } from '@tokenledger/pricing'
import { describe, expect, it } from 'vitest'
import { createRecordFactory } from './record-factory.js'

describe('createRecordFactory', () => {
  it('is deterministic for a seed and distinct across seeds', () => {
    const a = createRecordFactory({ seed: 3 }).batch(50)
    expect(createRecordFactory({ seed: 3 }).batch(50)).toEqual(a)
    const b = createRecordFactory({ seed: 4 }).batch(50)
    const ids = new Set([...a, ...b].map((r) => r.id))
    expect(ids.size).toBe(100)
  })

  it('makes valid, internally consistent records covering the interesting cases', () => {
    const records = createRecordFactory({ seed: 9 }).batch(2_000)
    for (const r of records) {
      expect(checkUsage(r.usage)).toBeNull()
      expect(r.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/)
      if (r.cost === null) {
        expect(r.costBreakdown).toBeNull()
        expect(r.card).toBeNull()
      } else {
        const parts = Object.values(r.costBreakdown!).reduce(
          (sum, part) => sum + picoFromUsd(part),
          0n,
        )
        expect(parts).toBe(picoFromUsd(r.cost))
      }
    }
    const timestamps = records.map((r) => Date.parse(r.timestamp))
    expect(timestamps).toEqual([...timestamps].sort((x, y) => x - y))
    const kinds = new Set(
      records.map((r) => `${r.provider}:${r.status}:${r.cost === null}:${r.reportedCost !== null}`),
    )
    for (const kind of [
      'oxen:ok:true:false',
      'deepseek:ok:true:false',
      'openrouter:ok:false:true',
      'deepseek:error:false:false',
      'tokenhub:aborted:false:false',
    ]) {
      expect(kinds).toContain(kind)
    }
  })

  it('rejects a seed it cannot fit into ids', () => {
    expect(() => createRecordFactory({ seed: 70_000 })).toThrow(
      /seed: expected an integer from 0 to 65535/,
    )
  })
})
