/**
 * A budget check on a SQLite ledger whose write lock is held elsewhere (the write thread in the
 * middle of a batch, another process) waits for it without blocking the event loop: SQLite's busy
 * handler sleeps on the calling thread, so the check asks with no busy timeout and retries
 * asynchronously. The caller connection of a ledger with a write thread waits up to 2 s in SQLite
 * otherwise, and a proxy checking budgets stalled every request for that long.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createBudgetGuard } from '@tokenledger/budget'
import { defaultPricingTable } from '@tokenledger/pricing'
import { openStore } from '@tokenledger/store'
import { afterAll, describe, expect, it } from 'vitest'

// The store's own driver (better-sqlite3 is its dependency, not the tests').
const Database = createRequire(new URL('../packages/store/package.json', import.meta.url))(
  'better-sqlite3',
) as typeof import('better-sqlite3')

const dir = mkdtempSync(join(tmpdir(), 'tokenledger-budget-busy-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

const HOLD_MS = 400

/**
 * Runs `work` while another connection holds the ledger's write lock for HOLD_MS: how long it took
 * and the longest the event loop went without running a 5 ms timer meanwhile.
 */
async function whileLocked<T>(path: string, work: () => Promise<T>) {
  const locker = new Database(path)
  locker.exec('BEGIN IMMEDIATE')
  let longestGap = 0
  let last = performance.now()
  const ticker = setInterval(() => {
    const now = performance.now()
    longestGap = Math.max(longestGap, now - last)
    last = now
  }, 5)
  setTimeout(() => {
    locker.exec('ROLLBACK')
    locker.close()
  }, HOLD_MS)
  const started = performance.now()
  const result = await work()
  const waited = performance.now() - started
  clearInterval(ticker)
  return { result, waited, longestGap }
}

describe('a budget check on a busy SQLite ledger', () => {
  it('waits for the lock without blocking the event loop, then reserves, and releases alike', async () => {
    const path = join(dir, 'ledger.db')
    // As `tokenledger proxy` opens it: records on a write thread, checks on the caller's connection.
    const store = await openStore(`sqlite:${path}`, { writeThread: 'worker', busyTimeoutMs: 100 })
    const guard = createBudgetGuard({
      budgets: [{ id: 'all', scope: {}, limit: '100', period: 'month', action: 'block' }],
      store,
      prices: defaultPricingTable(),
    })
    const call = {
      provider: 'deepseek',
      model: 'deepseek-v4-flash',
      endpoint: '/chat/completions',
      body: { model: 'deepseek-v4-flash', messages: [], max_tokens: 100 },
      bodyBytes: 60,
      tags: {},
    }
    try {
      expect(typeof (await guard.reserve(call))).toBe('string')
      const reserved = await whileLocked(path, () => guard.reserve(call))
      expect(typeof reserved.result).toBe('string')
      // It waited for the lock...
      expect(reserved.waited).toBeGreaterThanOrEqual(HOLD_MS - 20)
      // ...and the event loop ran all along (a blocking wait leaves a gap of the whole hold).
      expect(reserved.longestGap).toBeLessThan(HOLD_MS / 4)
      // Releasing reservations (as close() and a refused call do) waits the same way.
      const released = await whileLocked(path, () => guard.release([reserved.result!]))
      expect(released.waited).toBeGreaterThanOrEqual(HOLD_MS - 20)
      expect(released.longestGap).toBeLessThan(HOLD_MS / 4)
    } finally {
      await guard.close()
      await store.close()
    }
  })
})
