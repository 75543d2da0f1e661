/**
 * The demo generator: deterministic, realistic (every case the dashboard must show), priced with
 * the real pricing table, and written through the real store so the dashboard's totals match.
 */
import { defaultPricingTable, picoFromUsd, usdFromPico } from '@tokenledger/pricing'
import { openStore, type CallRecord, type LedgerStore } from '@tokenledger/store'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { createDashboardApp } from '../app.js'
import type { Overview } from '../data/overview.js'
import { DEMO_VERSION, demoCanaryId, generateDemoLedger } from './generate-demo-ledger.js'

const END = new Date('2026-11-21T15:00:00.000Z')
const dirs: string[] = []
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true })
})

async function demoLedger(): Promise<{ store: LedgerStore; url: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'tokenledger-demo-'))
  dirs.push(dir)
  const url = `sqlite:${join(dir, 'demo.db')}`
  const store = await openStore(url)
  return { store, url }
}

async function allCalls(store: LedgerStore): Promise<CallRecord[]> {
  const calls: CallRecord[] = []
  for await (const batch of store.iterateCalls({})) calls.push(...batch)
  return calls
}

describe('generateDemoLedger', () => {
  it('is deterministic for a seed and end date', async () => {
    const a = await demoLedger()
    const b = await demoLedger()
    const options = { end: END, days: 3, callsPerDay: 300 }
    const summaryA = await generateDemoLedger({ store: a.store, ...options })
    const summaryB = await generateDemoLedger({ store: b.store, ...options })
    expect(summaryA).toEqual(summaryB)
    expect(await allCalls(a.store)).toEqual(await allCalls(b.store))
    expect(summaryA.canaryId).toBe(demoCanaryId(42))
    expect(await a.store.getCall(demoCanaryId(42))).not.toBeNull()
    expect(demoCanaryId(42)).not.toBe(demoCanaryId(43))
    expect(DEMO_VERSION).toBeGreaterThan(0)
    await a.store.close()
    await b.store.close()
  })

  it('covers what the dashboard must show, priced by the real table', async () => {
    const { store, url } = await demoLedger()
    const summary = await generateDemoLedger({
      store,
      end: END,
      days: 14,
      callsPerDay: 400,
      batchSize: 700,
    })
    const calls = await allCalls(store)
    await store.close()
    expect(summary.calls).toBe(calls.length)
    expect(calls.length).toBeGreaterThan(14 * 400 * 0.7)
    expect(
      calls.every(
        (c) => c.timestamp <= END.toISOString() && c.timestamp >= '2026-11-08T00:00:00.000Z',
      ),
    ).toBe(true)

    const providers = new Set(calls.map((c) => `${c.provider}/${c.model}`))
    for (const route of [
      'deepseek/deepseek-v4-flash',
      'deepseek/deepseek-v4-pro',
      'openrouter/deepseek-v4-flash',
      'tokenhub/deepseek-v4-flash',
      'oxen/deepseek-v4-flash',
      'oxen/deepseek-v4-pro',
    ]) {
      expect(providers, route).toContain(route)
    }
    const count = (test: (c: CallRecord) => boolean) => calls.filter(test).length
    expect(count((c) => c.usage.cacheReadTokens > 0)).toBeGreaterThan(calls.length * 0.3)
    expect(count((c) => c.usage.reasoningTokens > 0)).toBeGreaterThan(calls.length * 0.2)
    expect(count((c) => c.usage.cacheWriteTokens > 0)).toBeGreaterThan(0)
    expect(count((c) => c.status === 'error')).toBeGreaterThan(0)
    expect(
      count((c) => c.status === 'aborted' && c.usage.provenance.outputTokens === 'estimated'),
    ).toBeGreaterThan(0)
    expect(count((c) => c.cost === null && c.model === null)).toBeGreaterThan(0) // unknown model
    expect(count((c) => c.cost === null && c.provider === 'oxen')).toBe(
      count((c) => c.provider === 'oxen'),
    )
    expect(count((c) => c.reportedCost !== null && c.cost !== null)).toBeGreaterThan(0)
    expect(count((c) => c.serviceTier === 'batch')).toBeGreaterThan(0)
    expect(new Set(calls.map((c) => c.tags['feature']))).toEqual(
      new Set(['chat', 'search', 'summarize', 'agent']),
    )

    // Every priced call carries exactly what the real pricing table says.
    const table = defaultPricingTable()
    for (const call of calls.filter((_, i) => i % 97 === 0)) {
      const cost = table.price({
        provider: call.provider,
        model: call.requestedModel,
        at: new Date(call.timestamp),
        usage: call.usage,
        ...(call.serviceTier === 'batch' ? { serviceTier: 'batch' as const } : {}),
      })
      expect(call.cost).toBe(cost?.total ?? null)
      expect(call.card).toBe(cost?.card.id ?? null)
    }

    // Through the store and the dashboard, the totals are the generator's own, to the picodollar.
    const readOnly = await openStore(url, { readOnly: true })
    const app = createDashboardApp({ store: readOnly, now: () => END })
    const overview = (await (await app.request('/api/overview?from=2026-11-01')).json()) as Overview
    await readOnly.close()
    expect(overview.calls).toBe(summary.calls)
    expect(overview.cost).toBe(summary.cost)
    expect(overview.unpricedCalls).toBe(summary.unpricedCalls)
    expect(overview.cost).toBe(
      usdFromPico(calls.reduce((sum, c) => sum + (c.cost === null ? 0n : picoFromUsd(c.cost)), 0n)),
    )
  })

  it('checks its options', async () => {
    const { store } = await demoLedger()
    await expect(generateDemoLedger({ store, days: 0 })).rejects.toThrow(
      'option days: expected 1..3660, got 0',
    )
    await expect(generateDemoLedger({ store, batchSize: 0.5 })).rejects.toThrow('option batchSize')
    await store.close()
  })
})
