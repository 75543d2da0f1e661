import { defaultPricingTable } from '@tokenledger/pricing'
import type { CallRecord } from '@tokenledger/store'
import { describe, expect, it } from 'vitest'
import { makeDemoCall } from '../demo/make-demo-call.js'
import { reportedUsage, SeededRandom } from '@tokenledger/store/testing'
import { FEATURES, ROUTES } from '../demo/traffic.js'
import { callPricing } from './call-pricing.js'

const table = defaultPricingTable()
const at = new Date('2026-11-20T10:00:00Z')
const route = (provider: string, model: string) =>
  ROUTES.find((r) => r.provider === provider && r.requestedModel === model)!

function call(provider: string, model: string, seed = 1): CallRecord {
  for (let i = 0; ; i++) {
    const record = makeDemoCall(
      new SeededRandom(seed + i),
      table,
      `id-${i}`,
      at,
      route(provider, model),
      FEATURES[0]!,
      'production',
    )
    if (record.status === 'ok') return record
  }
}

describe('callPricing', () => {
  it('agrees with a call priced by the same table', () => {
    const record = call('tokenhub', 'deepseek-v4-flash')
    const pricing = callPricing(table, record)
    expect(pricing).toMatchObject({
      providerName: 'TokenHub',
      differs: false,
      current: { total: record.cost, card: record.card },
    })
    expect(pricing.current!.rates.input).toBe('0.15')
  })

  it('flags a stored cost the table no longer gives', () => {
    const record = { ...call('deepseek', 'deepseek-v4-flash'), cost: '0.5' as CallRecord['cost'] }
    expect(callPricing(table, record).differs).toBe(true)
  })

  it('has no price for an unknown model or a provider without cards', () => {
    const unknown = call('openai', 'ft:gpt-4.1-mini:acme:support-v3')
    expect(callPricing(table, unknown)).toEqual({
      providerName: 'OpenAI',
      modelName: null,
      current: null,
      differs: false,
    })
    expect(callPricing(table, call('oxen', 'deepseek-v4-pro')).current).toBeNull()
    expect(callPricing(table, { ...unknown, provider: 'nowhere' }).providerName).toBeNull()
  })

  it('prices a routed call by the model served: no stale flag (issue 9 item 14)', () => {
    // OpenRouter DeepSeek V4 Flash: input 0.14, output 0.28 per 1M tokens (card of 2026-04-24).
    // 1,000,000 x 0.14/1M + 500,000 x 0.28/1M = 0.14 + 0.14 = 0.28, as the meter stored it.
    const routed: CallRecord = {
      ...call('openrouter', 'deepseek/deepseek-v4-flash'),
      requestedModel: 'openrouter/auto',
      servedModel: 'deepseek/deepseek-v4-flash',
      timestamp: '2026-05-01T00:00:00.000Z',
      usage: reportedUsage(1_000_000, 0, 500_000),
      cost: '0.28' as CallRecord['cost'],
    }
    const pricing = callPricing(table, routed)
    expect(pricing.current?.total).toBe('0.28')
    expect(pricing.modelName).not.toBeNull()
    expect(pricing.differs).toBe(false)
  })
})
