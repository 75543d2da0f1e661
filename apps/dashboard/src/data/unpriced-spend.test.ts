/**
 * Issue 9 items 11-13 over HTTP (in-process `app.request`) on a real SQLite ledger: a provider
 * or model with no priced call has cost null (never "0"), unpriced models are named by the id
 * served (else requested), and what providers reported for unpriced calls is totalled apart and
 * added to the computed cost, labelled.
 */
import type { Usd } from '@tokenledger/pricing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { callRecord } from '@tokenledger/store/testing'
import { createTestLedger, type TestLedger } from '../__fixtures__/test-ledger.js'
import { createDashboardApp } from '../app.js'
import type { Breakdown } from './breakdown.js'
import type { Overview } from './overview.js'
import type { SpendOverTime } from './series.js'

const usd = (value: string) => value as Usd
const priced = (id: string, at: string, cost: string) =>
  callRecord(id, {
    timestamp: at,
    cost: usd(cost),
    costBreakdown: {
      input: usd(cost),
      cacheRead: usd('0'),
      cacheWrite: usd('0'),
      output: usd('0'),
    },
    cacheSavings: usd('0'),
    card: 'deepseek/deepseek-v4-flash@2026-04-26T12:15:00.000Z',
  })

describe('unpriced calls in the dashboard API', () => {
  let ledger: TestLedger
  let app: ReturnType<typeof createDashboardApp>
  const get = async <T>(path: string): Promise<T> => {
    const response = await app.request(path)
    expect(response.status, path).toBe(200)
    return (await response.json()) as T
  }

  beforeAll(async () => {
    ledger = await createTestLedger('sqlite', [
      priced('p1', '2026-05-01T10:00:00.000Z', '0.1'),
      priced('p2', '2026-05-02T10:00:00.000Z', '0.2'),
      ...['0.5', '0.25'].map((reported, i) =>
        callRecord(`r${i}`, {
          timestamp: `2026-05-0${i + 1}T11:00:00.000Z`,
          provider: 'openrouter',
          requestedModel: 'openrouter/auto',
          servedModel: 'acme/secret-model',
          model: null,
          upstreamProvider: 'Acme',
          reportedCost: usd(reported),
        }),
      ),
      callRecord('m', {
        timestamp: '2026-05-02T12:00:00.000Z',
        requestedModel: 'mystery-model',
        model: null,
      }),
    ])
    app = createDashboardApp({ store: ledger.store, now: () => new Date('2026-05-03T00:00:00Z') })
  })
  afterAll(async () => ledger?.cleanup())

  const period = 'from=2026-05-01&to=2026-05-02'

  it('totals computed cost, reported cost of unpriced calls and their sum (item 13)', async () => {
    const overview = await get<Overview>(`/api/overview?${period}`)
    expect(overview).toMatchObject({
      calls: 5,
      pricedCalls: 2,
      unpricedCalls: 3,
      cost: '0.3',
      reportedCostOfUnpriced: '0.75',
      unpricedReportedCalls: 2,
      spend: '1.05',
    })
    const page = await (await app.request(`/?${period}`)).text()
    expect(page).toContain('title="$1.05 (exact): computed cost plus what providers reported')
    expect(page).toContain('computed $0.3000 on 2 priced calls')
    expect(page).toContain('+ reported by providers $0.7500 on 2 unpriced calls')
    const csv = await (await app.request(`/api/csv/overview?${period}`)).text()
    expect(csv).toContain('reported_cost_of_unpriced_usd,0.75\r\nspend_usd,1.05\r\n')
  })

  it('a provider or model without a priced call costs null, and models are named (items 11, 12)', async () => {
    const providers = await get<Breakdown>(`/api/breakdown?${period}&by=provider`)
    const openrouter = providers.rows.find((row) => row.provider === 'openrouter')
    expect(openrouter).toMatchObject({ cost: null, reportedCostOfUnpriced: '0.75', spend: '0.75' })
    expect(providers).toMatchObject({
      total: '0.3',
      totalReportedOfUnpriced: '0.75',
      totalSpend: '1.05',
    })

    const models = await get<Breakdown>(`/api/breakdown?${period}&by=model`)
    expect(models.rows.map((row) => [row.model, row.cost, row.spend])).toEqual([
      ['deepseek-v4-flash', '0.3', '0.3'],
      ['acme/secret-model', null, '0.75'],
      ['mystery-model', null, null],
    ])
    const csv = await (await app.request(`/api/csv/breakdown?${period}&by=provider`)).text()
    expect(csv).toContain('\r\nopenrouter,2,0,2,0,0,0,0,0,0,0,0,,,,0,0.75,0.75,0.75\r\n')

    const series = await get<SpendOverTime>(`/api/series?${period}&stack=model&bucket=day`)
    const secret = series.series.find((s) => s.key === 'acme/secret-model')!
    expect(secret.total).toBeNull()
    expect(secret.values).toEqual([null, null])
    expect(secret.unpricedCalls).toEqual([1, 1])
    expect(series.series.map((s) => s.key)).not.toContain(null)
  })
})
