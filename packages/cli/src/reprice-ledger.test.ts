import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { defaultPricingTable, type Usd } from '@tokenledger/pricing'
import { type CallRecord, openStore } from '@tokenledger/store'
import { createRecordFactory } from '@tokenledger/store/testing'
import { afterEach, describe, expect, it } from 'vitest'
import { applyReprice, planReprice, repriceCall } from './reprice-ledger.js'

/**
 * A ledger priced by the bundled table, then damaged: every third call carries a wrong price,
 * every fifth priced one lost its price. Reprice must restore exactly the table's prices.
 */
function damaged(records: CallRecord[]): CallRecord[] {
  return records.map((record, i) => {
    if (i % 3 === 0 && record.cost !== null) return { ...record, cost: '1.5' as Usd, card: 'wrong' }
    if (i % 5 === 0 && record.cost !== null) {
      return {
        ...record,
        cost: null,
        costBreakdown: null,
        cacheSavings: null,
        card: null,
        model: null,
      }
    }
    return record
  })
}

describe('planReprice / applyReprice', () => {
  const dirs: string[] = []
  afterEach(() => {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true })
  })

  async function ledger() {
    const dir = mkdtempSync(join(tmpdir(), 'tokenledger-reprice-'))
    dirs.push(dir)
    const table = defaultPricingTable()
    // Priced the way the meter prices them, with today's table.
    const records = createRecordFactory({ seed: 31, stepMs: 15 * 60_000 })
      .batch(600)
      .map((record) => ({ ...record, ...repriceCall(table, record) }))
    const store = await openStore(`sqlite:${join(dir, 'ledger.db')}`)
    await store.insert(damaged(records))
    return { store, table, records }
  }

  it.each([
    ['kept in memory', undefined],
    ['priced again while writing (more updates than kept)', 1],
  ])('restores the table prices exactly: %s', async (_, keep) => {
    const { store, table, records } = await ledger()
    try {
      const plan = await planReprice(store, table, {}, keep)
      const wrong = damaged(records).filter((r, i) => r.cost !== records[i]!.cost).length
      expect(plan.totals.changed).toBe(wrong)
      expect(plan.totals.calls).toBe(600)
      expect(plan.updates === null).toBe(keep === 1)
      expect(await applyReprice(store, table, plan)).toBe(wrong)
      const stored: CallRecord[] = []
      for await (const page of store.iterateCalls({})) stored.push(...page)
      const byId = new Map(records.map((r) => [r.id, r]))
      for (const call of stored) {
        const expected = byId.get(call.id)!
        expect([call.cost, call.card, call.model, call.costBreakdown]).toEqual([
          expected.cost,
          expected.card,
          expected.model,
          expected.costBreakdown,
        ])
      }
      const again = await planReprice(store, table, {})
      expect(again.totals.changed).toBe(0)
      expect(again.totals.newCost).toBe(plan.totals.newCost)
    } finally {
      await store.close()
    }
  })
})
