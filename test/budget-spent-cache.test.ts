/**
 * A SQLite budget check reuses the spent amounts it read while only budget checks wrote to the
 * ledger (reading them was most of a check's cost). Any record written since is counted by the
 * next check: one written by the write thread, by another connection (another process), or on the
 * check's own connection (a ledger without a write thread).
 */
import { randomUUID } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { type LedgerStore, openStore, reserveInLedger } from '@tokenledger/store'
import { callRecord } from '@tokenledger/store/testing'
import { afterAll, describe, expect, it } from 'vitest'

const dir = mkdtempSync(join(tmpdir(), 'tokenledger-budget-spent-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

const PICO = 10n ** 12n

/** The budget's spent amount as a check reads it (the check reserves a picodollar). */
async function spentAtCheck(store: LedgerStore): Promise<bigint> {
  const result = await reserveInLedger(store, {
    callId: randomUUID(),
    holder: 'test',
    leaseMs: 60_000,
    claims: [
      {
        id: 'all',
        query: { since: new Date('2026-01-01T00:00:00Z') },
        limitPico: 100n * PICO,
        amountPico: 1n,
        block: true,
      },
    ],
  })
  expect(result.taken).toBe(true)
  return result.standings[0]!.spentPico
}

const priced = (cost: string) =>
  callRecord(randomUUID(), { timestamp: '2026-05-01T00:00:00.000Z', cost: cost as never })

describe('a SQLite budget check counts every record written since the last check', () => {
  it('written by the write thread, by another connection, and on its own connection', async () => {
    const path = join(dir, 'ledger.db')
    const proxy = await openStore(`sqlite:${path}`, { writeThread: 'worker' })
    const other = await openStore(`sqlite:${path}`)
    try {
      expect(await spentAtCheck(proxy)).toBe(0n)
      expect(await spentAtCheck(proxy)).toBe(0n)
      await proxy.insert([priced('0.5')]) // on the write thread
      expect(await spentAtCheck(proxy)).toBe(PICO / 2n)
      await other.insert([priced('0.25')]) // another connection, as another process would
      expect(await spentAtCheck(proxy)).toBe((PICO * 3n) / 4n)
      // `other` has no write thread: its checks and its records share one connection.
      expect(await spentAtCheck(other)).toBe((PICO * 3n) / 4n)
      await other.insert([priced('0.125')])
      expect(await spentAtCheck(other)).toBe((PICO * 7n) / 8n)
      expect(await spentAtCheck(proxy)).toBe((PICO * 7n) / 8n)
    } finally {
      await proxy.close()
      await other.close()
    }
  })
})
