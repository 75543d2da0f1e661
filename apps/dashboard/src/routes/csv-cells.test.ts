/**
 * CSV downloads over a real SQLite ledger whose strings a spreadsheet would run as formulas: every
 * such cell starts with an apostrophe (the cell policy shared with `tokenledger report --csv`).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { callRecord } from '@tokenledger/store/testing'
import { createTestLedger, type TestLedger } from '../__fixtures__/test-ledger.js'
import { createDashboardApp } from '../app.js'

const FORMULAS = [' =1+1', '\n=1+1', '＝1+1', '=1+1', '+1', '@A1', '\t=1', '\r=1']

describe('dashboard CSV downloads', () => {
  let ledger: TestLedger
  beforeAll(async () => {
    ledger = await createTestLedger(
      'sqlite',
      FORMULAS.map((value, i) =>
        callRecord(`c${i}`, {
          timestamp: `2026-05-01T0${i}:00:00.000Z`,
          requestedModel: value,
          model: null,
          upstreamProvider: value,
        }),
      ),
    )
  })
  afterAll(async () => ledger?.cleanup())

  it('neutralises leading space, LF, fullwidth ＝ and the OWASP set', async () => {
    const app = createDashboardApp({
      store: ledger.store,
      now: () => new Date('2026-05-02T00:00:00Z'),
    })
    const response = await app.request('/api/csv/calls?from=2026-05-01&to=2026-05-01')
    expect(response.status).toBe(200)
    const text = await response.text()
    for (const value of FORMULAS) {
      const quoted = /[",\r\n]/.test(value) ? `"'${value.replace(/"/g, '""')}"` : `'${value}`
      expect(text, JSON.stringify(value)).toContain(`,${quoted},`)
      const raw = /[",\r\n]/.test(value) ? `"${value}"` : value
      expect(text, JSON.stringify(value)).not.toContain(`,${raw},`)
    }
  })
})
