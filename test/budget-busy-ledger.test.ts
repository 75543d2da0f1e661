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
      const locker = new Database(path)
      locker.exec('BEGIN IMMEDIATE')
      const HOLD_MS = 400
      let longestGap = 0
      let last = performance.now()
      const ticker = setInterval(() => {
        const now = performance.now()
        longestGap = Math.max(longestGap, now - last)
        last = now
      }, 5)
      const started = performance.now()
      const reserving = guard.reserve(call)
      setTimeout(() => {
        locker.exec('ROLLBACK')
        locker.close()
      }, HOLD_MS)
      const id = await reserving
      const waited = performance.now() - started
      clearInterval(ticker)
      expect(typeof id).toBe('string')
      // It waited for the lock...
      expect(waited).toBeGreaterThanOrEqual(HOLD_MS - 20)
      // ...and the event loop ran all along (a blocking wait leaves a gap of the whole hold).
      expect(longestGap).toBeLessThan(HOLD_MS / 4)

      // Releasing reservations (as close() and a refused call do) waits the same way.
      const again = new Database(path)
      again.exec('BEGIN IMMEDIATE')
      longestGap = 0
      last = performance.now()
      const ticking = setInterval(() => {
        const now = performance.now()
        longestGap = Math.max(longestGap, now - last)
        last = now
      }, 5)
      const releaseStarted = performance.now()
      setTimeout(() => {
        again.exec('ROLLBACK')
        again.close()
      }, HOLD_MS)
      await guard.release([id!])
      clearInterval(ticking)
      expect(performance.now() - releaseStarted).toBeGreaterThanOrEqual(HOLD_MS - 20)
      expect(longestGap).toBeLessThan(HOLD_MS / 4)
    } finally {
      await guard.close()
      await store.close()
    }
  })
})
