/**
 * The budget race: 8 processes (4 meters, 4 proxies) share one ledger (a SQLite file, then a
 * PostgreSQL schema) and call as fast as they can against one `block` budget. The fake upstream
 * counts the requests it gets. It must show:
 * - the recorded spend never exceeds the limit;
 * - every refused call got BUDGET_EXCEEDED (429 from a proxy) before anything was sent: the
 *   upstream saw exactly the allowed calls, and the ledger holds exactly those;
 * - calls stop only when a reservation would pass the limit: every refusal's spent + reserved +
 *   worst case is above the limit, and at the end less than one worst case of room is left;
 * - a process SIGKILLed with reservations held stops holding them once the lease ends: they count
 *   until the expiry the ledger shows for them, and not after it.
 * The proxies count big prompts near the limit (their worst case is then smaller than the meters'
 * byte bound), so "no worst case fits" is checked against the smallest one refused.
 * Nothing here waits a fixed time: the test waits for events (calls hanging upstream, a process
 * exiting) and for the lease's end as the ledger records it, so a loaded machine only makes it
 * slower. Runs on the built packages (`pnpm build`), like the CLI tests.
 */
import { spawn } from 'node:child_process'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { fileURLToPath } from 'node:url'
import { budgetStatus, type BudgetsConfig } from '@tokenledger/budget'
import { type LedgerStore, openStore } from '@tokenledger/store'
import { ENGINES } from '@tokenledger/store/testing/engines'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

// Fixed DeepSeek rates for these tests (the bundled card has peak / off-peak hours): see the file.
process.env['TOKENLEDGER_PRICES'] = fileURLToPath(
  new URL('./helpers/fixed-prices.json', import.meta.url),
)

const RACER = fileURLToPath(new URL('./helpers/budget-racer.mjs', import.meta.url))
// Each call: 10 prompt + 100 output tokens of deepseek-v4-flash (0.14 / 0.28 USD per 1M tokens).
const ACTUAL_PICO = 10n * 140_000n + 100n * 280_000n
const LIMIT = '0.004'
const LIMIT_PICO = 4_000_000_000n

interface Racer {
  mode: string
  allowed: number
  refusals: Array<{
    budget: string
    spent: string
    reserved: string
    limit: string
    requested: string
  }>
  errors: string[]
}

let upstream: Server
let upstreamUrl: string
let requests = 0
let hanging = 0
/** Resolved when `hanging` reaches a count (the calls are in flight, their reservations taken). */
let hangingWaiter: { count: number; resolve: () => void } | null = null
function whenHanging(count: number): Promise<void> {
  if (hanging >= count) return Promise.resolve()
  return new Promise((resolve) => (hangingWaiter = { count, resolve }))
}

beforeAll(async () => {
  upstream = createServer((req, res) => {
    req.resume()
    req.on('end', () => {
      if (req.headers['x-replay'] === 'hang') {
        hanging++
        if (hangingWaiter && hanging >= hangingWaiter.count) hangingWaiter.resolve()
        return // never answered: the holder is killed with these calls in flight
      }
      requests++
      // A little latency, so calls overlap and reservations pile up.
      setTimeout(() => {
        const body = JSON.stringify({
          id: `race-${requests}`,
          object: 'chat.completion',
          model: 'deepseek-v4-flash',
          choices: [
            { index: 0, message: { role: 'assistant', content: 'ok' }, finish_reason: 'stop' },
          ],
          usage: {
            prompt_tokens: 10,
            completion_tokens: 100,
            total_tokens: 110,
            prompt_cache_hit_tokens: 0,
            prompt_cache_miss_tokens: 10,
          },
        })
        res.writeHead(200, { 'content-type': 'application/json' }).end(body)
      }, 3)
    })
  })
  await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve))
  upstreamUrl = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}/v1`
})

afterAll(async () => {
  upstream.closeAllConnections()
  await new Promise((resolve) => upstream.close(resolve))
})

function startRacer(
  mode: string,
  db: string,
  budgets: BudgetsConfig,
  concurrency: number,
  maxCalls = 400,
) {
  const child = spawn(
    process.execPath,
    [RACER, mode, db, JSON.stringify(budgets), upstreamUrl, String(concurrency), String(maxCalls)],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  )
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()))
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
  const firstLine = new Promise<string>((resolve) => {
    child.stdout.on('data', () => {
      if (stdout.includes('\n')) resolve(stdout.slice(0, stdout.indexOf('\n')))
    })
  })
  const done = new Promise<Racer>((resolve, reject) => {
    child.on('exit', (code, signal) => {
      if (code !== 0) reject(new Error(`${mode} racer exited ${code ?? signal}: ${stderr}`))
      else resolve(JSON.parse(stdout.trim()) as Racer)
    })
  })
  return { child, done, firstLine }
}

for (const engine of ENGINES) {
  describe.skipIf(engine.skip !== null)(`budget race (${engine.name})`, () => {
    it('8 processes, meters and proxies: spend never passes the limit, refusals send nothing', async () => {
      const fixture = await engine.fresh()
      // Create the ledger first, so the racers do not all migrate at once (that is tested elsewhere).
      await (await openStore(fixture.url)).close()
      const budgets: BudgetsConfig = {
        budgets: [
          {
            id: 'race',
            scope: { provider: 'deepseek' },
            limit: LIMIT,
            period: 'day',
            action: 'block',
          },
        ],
      }
      try {
        requests = 0
        const racers = ['meter', 'proxy', 'meter', 'proxy', 'meter', 'proxy', 'meter', 'proxy'].map(
          (mode) => startRacer(mode, fixture.url, budgets, 3),
        )
        // Every racer ends before anything is checked (one failing must not leave others running).
        const settled = await Promise.allSettled(racers.map((racer) => racer.done))
        const failed = settled.filter((s) => s.status === 'rejected')
        expect(failed.map((s) => String((s as PromiseRejectedResult).reason))).toEqual([])
        const results = settled.map((s) => (s as PromiseFulfilledResult<Racer>).value)
        const store = await openStore(fixture.url)
        try {
          const [total] = await store.summarize({})
          const allowed = results.reduce((sum, r) => sum + r.allowed, 0)
          // Only the allowed calls reached the upstream, and each is in the ledger.
          expect(requests).toBe(allowed)
          expect(total!.calls).toBe(allowed)
          const spent = BigInt(total!.calls) * ACTUAL_PICO
          expect(total!.cost).toBe(usd(spent))
          expect(spent <= LIMIT_PICO).toBe(true)
          // Every refusal was needed: spent + reserved + this call's worst case passed the limit.
          const refusals = results.flatMap((r) => r.refusals)
          expect(refusals.length).toBeGreaterThanOrEqual(8)
          for (const refusal of refusals) {
            expect(refusal.limit).toBe(LIMIT)
            expect(
              pico(refusal.spent) + pico(refusal.reserved) + pico(refusal.requested) > LIMIT_PICO,
            ).toBe(true)
          }
          // And the calls stopped only when no worst case fits any more (the smallest refused: a
          // proxy's counted one is below a meter's byte bound).
          const [worst] = refusals
            .map((refusal) => pico(refusal.requested))
            .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
          expect(LIMIT_PICO - spent < worst!).toBe(true)
          const [status] = await budgetStatus(store)
          expect(status).toMatchObject({
            id: 'race',
            spent: usd(spent),
            reserved: '0',
            left: usd(LIMIT_PICO - spent),
          })
          // Both kinds of process took part.
          expect(results.filter((r) => r.mode === 'proxy' && r.allowed > 0).length).toBeGreaterThan(
            0,
          )
          expect(results.filter((r) => r.mode === 'meter' && r.allowed > 0).length).toBeGreaterThan(
            0,
          )
          // No call went unchecked (a busy SQLite ledger makes the meters' writes retry: reported, fine).
          expect(results.flatMap((r) => r.errors).filter((e) => e.startsWith('budget'))).toEqual([])
        } finally {
          await store.close()
        }
      } finally {
        await fixture.cleanup()
      }
    }, 180_000)

    it('a process killed with reservations held frees them after the lease', async () => {
      const fixture = await engine.fresh()
      await (await openStore(fixture.url)).close()
      const budgets: BudgetsConfig = {
        budgets: [{ id: 'lease', scope: {}, limit: '0.00025', period: 'day', action: 'block' }],
        leaseSeconds: 5,
      }
      try {
        hanging = 0
        const holder = startRacer('holder', fixture.url, budgets, 3)
        holder.done.catch(() => {}) // it dies by SIGKILL, as intended
        const store = await openStore(fixture.url)
        try {
          // Its three calls are in flight upstream (their reservations are taken first).
          await whenHanging(3)
          expect(hanging).toBe(3)
          const [held] = await budgetStatus(store)
          const worst = pico(held!.reserved) / 3n
          expect(pico(held!.reserved)).toBe(3n * worst)
          // Room for less than one more worst case: another process is refused while it lives
          // (it renews the lease however long that process takes to start).
          expect(250_000_000n - 3n * worst < worst).toBe(true)
          const refusedWhileHeld = await startRacer('meter', fixture.url, budgets, 1, 1).done
          expect(refusedWhileHeld.allowed).toBe(0)
          expect(pico(refusedWhileHeld.refusals[0]!.reserved)).toBe(3n * worst)

          const exited = new Promise((resolve) => holder.child.once('exit', resolve))
          holder.child.kill('SIGKILL')
          await exited
          const killedAt = Date.now()
          // Death frees nothing by itself: the reservations stay, with the expiry of the last
          // renewal (at most one lease after the kill; a dead process never renews again).
          const lease = await leaseRows(store)
          expect(lease.count).toBe(3)
          expect(lease.amount).toBe(3n * worst)
          expect(lease.expiresMs).toBeLessThanOrEqual(killedAt + 5_000)
          // They count until that expiry and not after it: each read is judged by when it ran
          // (a read that straddles the expiry may see either).
          let readBeforeExpiry = 0
          for (;;) {
            const startedAt = Date.now()
            const [status] = await budgetStatus(store)
            const endedAt = Date.now()
            // Reserved at different times, the three may expire apart: all count before the first
            // expiry, none after the last.
            if (endedAt < lease.firstExpiresMs) {
              readBeforeExpiry++
              expect(status!.reserved).toBe(held!.reserved)
            }
            if (startedAt >= lease.expiresMs) {
              expect(status).toMatchObject({ reserved: '0', spent: '0' })
              break
            }
            await new Promise((resolve) =>
              setTimeout(resolve, Math.min(100, Math.max(1, lease.expiresMs - Date.now()))),
            )
          }
          // The first read came right after the kill, well inside the lease.
          expect(readBeforeExpiry).toBeGreaterThan(0)
          // Still untouched by renewals: the same expiry.
          expect((await leaseRows(store)).expiresMs).toBe(lease.expiresMs)
          const after = await startRacer('meter', fixture.url, budgets, 1, 1).done
          expect(after.allowed).toBe(1)
        } finally {
          await store.close()
        }
      } finally {
        await fixture.cleanup()
      }
    }, 120_000)
  })
}

/** The 'lease' budget's reservations as stored: how many, their sum, their first and last expiry. */
async function leaseRows(
  store: LedgerStore,
): Promise<{ count: number; amount: bigint; firstExpiresMs: number; expiresMs: number }> {
  const rows = await store.db
    .withTables<{
      budget_reservations: {
        budget: string
        amount_pico: string | number
        expires_ms: number | string
      }
    }>()
    .selectFrom('budget_reservations')
    .select(['amount_pico', 'expires_ms'])
    .where('budget', '=', 'lease')
    .execute()
  return {
    count: rows.length,
    amount: rows.reduce((sum, row) => sum + BigInt(String(row.amount_pico)), 0n),
    firstExpiresMs: Math.min(...rows.map((row) => Number(row.expires_ms))),
    expiresMs: Math.max(...rows.map((row) => Number(row.expires_ms))),
  }
}

function pico(usdText: string): bigint {
  const [whole, fraction = ''] = usdText.split('.')
  return BigInt(whole!) * 10n ** 12n + BigInt(fraction.padEnd(12, '0'))
}

function usd(amount: bigint): string {
  const whole = amount / 10n ** 12n
  const fraction = (amount % 10n ** 12n).toString().padStart(12, '0').replace(/0+$/, '')
  return fraction ? `${whole}.${fraction}` : `${whole}`
}
