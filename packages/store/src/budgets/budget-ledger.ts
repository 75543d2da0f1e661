/**
 * Budget reservations in the ledger (tables of migration 004). The rule of a budget check, for
 * every budget a call falls under:
 *
 *   spent (the rollups, via `summarize`) + reserved (live reservations whose call is not recorded
 *   yet) + this call's worst case <= limit
 *
 * taken under one lock per budget, so processes and machines sharing the ledger never both take
 * the last dollar: SQLite `BEGIN IMMEDIATE` (the database's one write lock; retried without
 * blocking the event loop while another process holds it), PostgreSQL a transaction-scoped
 * advisory lock per budget (taken in id order, so two checks cannot deadlock).
 *
 * A reservation carries its call's id. The transaction that writes the call's record (its actual
 * cost, in the rollups) deletes its reservations (sqlite-writer.ts, postgres-writer.ts): no
 * instant counts a call twice or not at all, and a check sums only the reservations of calls not
 * stored yet (a probe of `calls` per reservation made every check cost in proportion to the call
 * rate). Reservations are read before spent amounts, so a record landing between the two reads
 * can only be counted twice (a stricter check), never missed. A record written by an older
 * tokenledger leaves its reservation behind: it counts twice until the next sweep (stricter).
 *
 * A request may also reserve, right after its call, the same claims under the ids of calls not
 * made yet (`ahead`), each only while every budget stays within its limit: a guard's reservations
 * for its next calls, which count like any other until those calls are recorded or released.
 *
 * A reservation whose holder stopped renewing its lease (a crashed process) stops counting when
 * the lease ends; expired and recorded reservations are deleted by later checks.
 */
import { picoFromUsd } from '@tokenledger/pricing'
import { sql } from 'kysely'
import type { Kysely } from 'kysely'
import type { LedgerQuery, LedgerStore, StoreDialect } from '../ledger-store.js'
import { summarize } from '../queries/summarize.js'
import { HOUR_MS } from '../rollups.js'
import { moneySum, parseMoneySum } from '../sql-fragments.js'
import { inWriteTransaction } from '../write-transaction.js'

/** When each store last swept its reservations (see reserveInLedger). */
const lastSweep = new WeakMap<LedgerStore, Map<string, number>>()
const SWEEP_EVERY_MS = 100

/** Which calls a budget counts over its current period. */
export interface BudgetWindow {
  /** The budget's id. */
  id: string
  /** Its scope and period start: `since` plus provider, model (canonical id) and tags. */
  query: Pick<LedgerQuery, 'since' | 'until' | 'provider' | 'model' | 'tags'>
}

/** One budget a call asks to reserve against. */
export interface BudgetClaim extends BudgetWindow {
  limitPico: bigint
  /** This call's worst-case cost. */
  amountPico: bigint
  /** Refuse the whole reservation when this budget would pass its limit (`block`); else only report. */
  block: boolean
}

/** Where a budget stands. */
export interface BudgetStanding {
  id: string
  /** Priced spend of the recorded calls in the period. */
  spentPico: bigint
  /** Live reservations of calls not recorded yet. */
  reservedPico: bigint
  /** Recorded calls of the period with no price (not in `spentPico`). */
  unpricedCalls: number
}

/** What `reserveInLedger` did. */
export interface ReserveResult {
  /** True when the reservations were written (no blocking budget would pass its limit). */
  taken: boolean
  /** Each claimed budget before this call, in the order given. */
  standings: BudgetStanding[]
  /** Budgets this call passes (blocking ones refused it when `taken` is false). */
  over: string[]
  /** How many of the request's `ahead` ids were reserved too (the first ones). */
  aheadTaken: number
}

/** Options of `reserveInLedger`. */
export interface ReserveRequest {
  /** The call about to be sent; null: only `ahead` ids are reserved (a guard topping up). */
  callId: string | null
  /** The process holding the reservations (renews their lease). */
  holder: string
  /** The reservations end at `now + leaseMs` unless renewed. */
  leaseMs: number
  claims: BudgetClaim[]
  /**
   * Ids of calls not made yet, each reserved with the same claims right after this call, in
   * order, while every claimed budget (`warn` ones too) stays within its limit: reservations a
   * guard holds ready for its next calls, so most calls far from a limit need no ledger round
   * trip. Only when the call itself was taken (or there is none).
   */
  ahead?: string[]
  /** SQLite: give up waiting for other processes' write locks after this long. @default 30000 */
  lockWaitMs?: number
}

/**
 * Checks and reserves a call's worst case against its budgets, atomically.
 * @throws whatever the ledger throws (unreachable, lock not obtained within `lockWaitMs`).
 */
export function reserveInLedger(
  store: LedgerStore,
  request: ReserveRequest,
): Promise<ReserveResult> {
  // Checks that arrive in the same turn of the event loop, or while a batch holds the lock, go
  // together in one batch: one transaction and one read per budget for all of them, decided one
  // by one in arrival order. (A check runs within one turn, so without the wait for the turn's
  // other arrivals every check under load was a transaction of its own.)
  let queue = queues.get(store)
  if (!queue) queues.set(store, (queue = { pending: [], running: false }))
  const waiting = queue
  return new Promise<ReserveResult>((resolve, reject) => {
    waiting.pending.push({ request, resolve, reject })
    if (!waiting.running) {
      waiting.running = true
      setImmediate(() => void drain(store, waiting))
    }
  })
}

interface PendingCheck {
  request: ReserveRequest
  resolve: (result: ReserveResult) => void
  reject: (error: unknown) => void
}

const queues = new WeakMap<LedgerStore, { pending: PendingCheck[]; running: boolean }>()
/** Most checks decided in one transaction. */
const BATCH = 256

async function drain(
  store: LedgerStore,
  queue: { pending: PendingCheck[]; running: boolean },
): Promise<void> {
  queue.running = true
  try {
    while (queue.pending.length > 0) {
      const batch = queue.pending.splice(0, BATCH)
      try {
        const results = await reserveBatch(
          store,
          batch.map((check) => check.request),
        )
        batch.forEach((check, i) => check.resolve(results[i]!))
      } catch (error) {
        for (const check of batch) check.reject(error)
      }
    }
  } finally {
    queue.running = false
  }
}

async function reserveBatch(
  store: LedgerStore,
  requests: ReserveRequest[],
): Promise<ReserveResult[]> {
  // Every budget of the batch once, in id order (the lock order), with the earliest period start
  // asked for it (a check computed just before a period ended counts more spend, never less).
  const windows = new Map<string, BudgetWindow>()
  for (const claim of requests.flatMap((request) => request.claims)) {
    const known = windows.get(claim.id)
    const earlier =
      known?.query.since !== undefined &&
      claim.query.since !== undefined &&
      claim.query.since < known.query.since
    if (!known || earlier) windows.set(claim.id, { id: claim.id, query: claim.query })
  }
  const budgets = [...windows.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
  const lockWaitMs = Math.min(...requests.map((request) => request.lockWaitMs ?? 30_000))
  return locked(store, budgets, lockWaitMs, async (conn, now) => {
    const ids = budgets.map((budget) => budget.id)
    const spentCache = await validSpentCache(store, conn)
    // Clean-up of expired and recorded reservations (they no longer count either way), now and
    // then rather than on every check.
    let swept = lastSweep.get(store)
    if (!swept) lastSweep.set(store, (swept = new Map()))
    const due = ids.filter((id) => now - (swept.get(id) ?? 0) >= SWEEP_EVERY_MS)
    if (due.length > 0) {
      for (const id of due) swept.set(id, now)
      await sql`
        DELETE FROM budget_reservations
        WHERE budget IN (${sql.join(due)})
          AND (expires_ms <= ${now} OR EXISTS (SELECT 1 FROM calls c WHERE c.id = budget_reservations.call_id))`.execute(
        conn,
      )
    }
    const standings = new Map(
      (await standingsOn(conn, store.dialect, budgets, now, spentCache)).map((s) => [s.id, s]),
    )
    const rows: Array<{
      budget: string
      callId: string
      amount: bigint
      holder: string
      expires: number
    }> = []
    const results = requests.map((request): ReserveResult => {
      const before = request.claims.map((claim) => ({ ...standings.get(claim.id)! }))
      const callId = request.callId
      const over =
        callId === null
          ? []
          : request.claims
              .filter(
                (claim, i) =>
                  before[i]!.spentPico + before[i]!.reservedPico + claim.amountPico >
                  claim.limitPico,
              )
              .map((claim) => claim.id)
      const refused = request.claims.some((claim) => claim.block && over.includes(claim.id))
      const reserve = (callId: string) => {
        for (const claim of request.claims) {
          standings.get(claim.id)!.reservedPico += claim.amountPico
          rows.push({
            budget: claim.id,
            callId,
            amount: claim.amountPico,
            holder: request.holder,
            expires: now + request.leaseMs,
          })
        }
      }
      let aheadTaken = 0
      if (!refused) {
        if (callId !== null) reserve(callId)
        for (const aheadId of request.ahead ?? []) {
          const fits = request.claims.every((claim) => {
            const standing = standings.get(claim.id)!
            return standing.spentPico + standing.reservedPico + claim.amountPico <= claim.limitPico
          })
          if (!fits) break
          reserve(aheadId)
          aheadTaken++
        }
      }
      return { taken: !refused, standings: before, over, aheadTaken }
    })
    for (let i = 0; i < rows.length; i += 100) {
      const values = rows
        .slice(i, i + 100)
        .map(
          (row) =>
            sql`(${row.budget}, ${row.callId}, ${row.amount.toString()}, ${row.holder}, ${row.expires})`,
        )
      await sql`
        INSERT INTO budget_reservations (budget, call_id, amount_pico, holder, expires_ms)
        VALUES ${sql.join(values)}`.execute(conn)
    }
    if (spentCache) await keepSpentCache(store, conn, spentCache)
    return results
  })
}

/**
 * SQLite: the spent amounts a store's checks read, reused while nothing but the checks themselves
 * wrote to the ledger (they write reservations only, which `spent` does not count). Reading them
 * (the summarize plan and its rollup reads) was most of a check's cost, at every call. The state
 * kept is the check connection's after the last check's own writes: `data_version` changes when
 * another connection commits (the write thread's records, another process), `total_changes()`
 * when anything else writes on this one (records written on the caller's thread, a reprice, a
 * lease renewal). Both are read with the write lock held, so nobody commits in between.
 */
interface SpentCache {
  changes: number
  version: number
  /** By budget window (its query and period end). */
  spent: Map<string, { spentPico: bigint; unpricedCalls: number }>
}

const spentCaches = new WeakMap<LedgerStore, SpentCache>()

async function connectionState(conn: Kysely<any>): Promise<{ changes: number; version: number }> {
  const { rows } = await sql<{ changes: unknown; version: unknown }>`
    SELECT total_changes() AS changes, (SELECT data_version FROM pragma_data_version) AS version`.execute(
    conn,
  )
  return { changes: Number(rows[0]?.changes), version: Number(rows[0]?.version) }
}

/** The store's spent cache when nothing else wrote since its last check (else an empty one); PostgreSQL: null. */
async function validSpentCache(store: LedgerStore, conn: Kysely<any>): Promise<SpentCache | null> {
  if (store.dialect !== 'sqlite') return null
  const now = await connectionState(conn)
  const kept = spentCaches.get(store)
  if (kept && kept.changes === now.changes && kept.version === now.version) return kept
  return { ...now, spent: new Map() }
}

/** Keeps the cache with the connection's state after this check's own writes. */
async function keepSpentCache(
  store: LedgerStore,
  conn: Kysely<any>,
  cache: SpentCache,
): Promise<void> {
  const after = await connectionState(conn)
  cache.changes = after.changes
  cache.version = after.version
  spentCaches.set(store, cache)
}

/**
 * Extends the lease of every reservation `holder` has; returns how many it holds.
 * @throws SQLITE_BUSY at once on a SQLite ledger another connection is writing (retry: openWhenFree).
 */
export async function renewReservations(
  store: LedgerStore,
  holder: string,
  leaseMs: number,
): Promise<number> {
  const result = await withoutBusyWait(store, (conn) =>
    sql`
      UPDATE budget_reservations SET expires_ms = ${Date.now() + leaseMs} WHERE holder = ${holder}`.execute(
      conn,
    ),
  )
  return Number(result.numAffectedRows ?? 0)
}

/**
 * Deletes reservations of `holder`: those of the given calls, or all of them.
 * @throws SQLITE_BUSY at once on a SQLite ledger another connection is writing (retry: openWhenFree).
 */
export async function releaseReservations(
  store: LedgerStore,
  holder: string,
  callIds?: string[],
): Promise<void> {
  if (callIds !== undefined && callIds.length === 0) return
  const calls = callIds === undefined ? sql`` : sql`AND call_id IN (${sql.join(callIds)})`
  await withoutBusyWait(store, (conn) =>
    sql`DELETE FROM budget_reservations WHERE holder = ${holder} ${calls}`.execute(conn),
  )
}

/** Where each budget stands now (no lock: a report, not a check). Works on a read-only store. */
export async function readStandings(
  store: LedgerStore,
  windows: BudgetWindow[],
): Promise<BudgetStanding[]> {
  if (windows.length === 0) return []
  return standingsOn(store.db, store.dialect, windows, Date.now())
}

/** A budget definition as the ledger keeps it (JSON text, for the CLI and the dashboard). */
export interface StoredBudgetDefinition {
  id: string
  /** The definition as JSON. */
  definition: string
  /** When a meter or proxy last declared it. */
  updatedAt: Date
}

/** Records the budgets a meter or proxy enforces (replacing earlier definitions of the same ids). */
export async function saveBudgetDefinitions(
  store: LedgerStore,
  definitions: Array<{ id: string; definition: string }>,
): Promise<void> {
  if (definitions.length === 0) return
  const now = Date.now()
  await store.db.transaction().execute(async (trx) => {
    for (const { id, definition } of definitions) {
      await sql`
        INSERT INTO budget_definitions (id, definition, updated_ms) VALUES (${id}, ${definition}, ${now})
        ON CONFLICT (id) DO UPDATE SET definition = excluded.definition, updated_ms = excluded.updated_ms`.execute(
        trx,
      )
    }
  })
}

/** The budgets declared in the ledger, by id. */
export async function loadBudgetDefinitions(store: LedgerStore): Promise<StoredBudgetDefinition[]> {
  const { rows } = await sql<{ id: string; definition: string; updated_ms: unknown }>`
    SELECT id, definition, updated_ms FROM budget_definitions ORDER BY id`.execute(store.db)
  return rows.map((row) => ({
    id: row.id,
    definition: row.definition,
    updatedAt: new Date(Number(row.updated_ms)),
  }))
}

async function standingsOn(
  db: Kysely<any>,
  dialect: StoreDialect,
  windows: BudgetWindow[],
  now: number,
  cache: SpentCache | null = null,
): Promise<BudgetStanding[]> {
  // Reservations first, then spent amounts (see the module comment).
  const { rows } = await sql<{ budget: string; reserved: unknown }>`
    SELECT budget, ${moneySum(dialect, sql.ref('amount_pico'))} AS reserved FROM budget_reservations
    WHERE budget IN (${sql.join(windows.map((w) => w.id))}) AND expires_ms > ${now}
    GROUP BY budget`.execute(db)
  const reserved = new Map(rows.map((row) => [row.budget, parseMoneySum(row.reserved) ?? 0n]))
  const standings: BudgetStanding[] = []
  for (const window of windows) {
    const spent = await spentIn(db, dialect, window.query, now, cache)
    standings.push({ id: window.id, ...spent, reservedPico: reserved.get(window.id) ?? 0n })
  }
  return standings
}

/**
 * Priced spend and unpriced calls of a budget's period, by `summarize`'s plan. The period runs to
 * the end of the current hour: no call is recorded with a later start, and whole hours are read
 * from the rollups (whole days from the daily ones) instead of the current hour's raw calls, which
 * a check before every call would otherwise scan again and again. A call stamped later than now
 * (another machine's clock) counts too: stricter, never looser.
 */
async function spentIn(
  db: Kysely<any>,
  dialect: StoreDialect,
  query: BudgetWindow['query'],
  now: number,
  cache: SpentCache | null,
): Promise<{ spentPico: bigint; unpricedCalls: number }> {
  const until = query.until ?? new Date((Math.floor(now / HOUR_MS) + 1) * HOUR_MS)
  const key = cache ? JSON.stringify({ ...query, until }) : ''
  const cached = cache?.spent.get(key)
  if (cached) return cached
  const [total] = await summarize(db, dialect, { ...query, until })
  const spent = {
    // A period with no priced call has cost null: nothing priced was spent (unpriced calls are counted).
    spentPico: total?.cost ? picoFromUsd(total.cost) : 0n,
    unpricedCalls: total?.unpricedCalls ?? 0,
  }
  cache?.spent.set(key, spent)
  return spent
}

/** Runs `work` in a transaction holding the budgets' lock(s). */
async function locked<T>(
  store: LedgerStore,
  claims: BudgetWindow[],
  lockWaitMs: number,
  work: (conn: Kysely<any>, now: number) => Promise<T>,
): Promise<T> {
  const deadline = Date.now() + lockWaitMs
  for (let attempt = 0; ; attempt++) {
    try {
      return await withoutBusyWait(store, async (conn) => {
        // SQLite: reservations need no fsync of their own (a power cut ends their holders too);
        // the connection's next durable commit syncs them anyway. Back to FULL right after.
        if (store.dialect === 'sqlite') await sql.raw('PRAGMA synchronous = NORMAL').execute(conn)
        try {
          return await inWriteTransaction(conn, store.dialect, async () => {
            if (store.dialect === 'postgres') {
              for (const claim of claims) {
                await sql`SELECT pg_advisory_xact_lock(hashtext(${'tokenledger.budget.'} || current_schema() || ${`.${claim.id}`}))`.execute(
                  conn,
                )
              }
            }
            // The clock is read once the lock is held, so leases compare in lock order.
            return work(conn, Date.now())
          })
        } finally {
          if (store.dialect === 'sqlite') await sql.raw('PRAGMA synchronous = FULL').execute(conn)
        }
      })
    } catch (error) {
      if (!isLedgerBusy(error) || Date.now() >= deadline) throw error
      // Another process holds SQLite's write lock: wait without blocking the event loop.
      await new Promise((resolve) =>
        setTimeout(resolve, Math.min(50, 2 + attempt * 2) * (0.5 + Math.random())),
      )
    }
  }
}

/**
 * Runs `work` on one connection that never waits for a SQLite lock inside SQLite, whose busy
 * handler sleeps on the calling thread (the event loop of the application, or of every request
 * of the proxy): SQLITE_BUSY comes back at once, for the caller to retry asynchronously. The
 * store's own busy timeout is back right after.
 */
async function withoutBusyWait<T>(
  store: LedgerStore,
  work: (conn: Kysely<any>) => Promise<T>,
): Promise<T> {
  return store.db.connection().execute(async (conn) => {
    if (store.dialect !== 'sqlite') return work(conn)
    const timeout = await sqliteBusyTimeout(store, conn)
    if (timeout !== 0) await sql.raw('PRAGMA busy_timeout = 0').execute(conn)
    try {
      return await work(conn)
    } finally {
      if (timeout !== 0) await sql.raw(`PRAGMA busy_timeout = ${timeout}`).execute(conn)
    }
  })
}

/** Each SQLite store's own busy timeout (read once), restored after every check. */
const busyTimeouts = new WeakMap<LedgerStore, number>()

async function sqliteBusyTimeout(store: LedgerStore, conn: Kysely<any>): Promise<number> {
  let timeout = busyTimeouts.get(store)
  if (timeout === undefined) {
    const { rows } = await sql<{ timeout: unknown }>`PRAGMA busy_timeout`.execute(conn)
    const row = rows[0] as Record<string, unknown> | undefined
    timeout = Number(row === undefined ? 0 : Object.values(row)[0]) || 0
    busyTimeouts.set(store, timeout)
  }
  return timeout
}

/**
 * True when the ledger refused for a moment: a SQLite ledger whose write lock another process
 * holds, a PostgreSQL deadlock or serialization failure (directly, or as the cause of a
 * STORE_UNAVAILABLE error). Worth retrying a little later.
 */
export function isLedgerBusy(error: unknown): boolean {
  for (let e = error, depth = 0; e && depth < 3; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code
    if (code === 'SQLITE_BUSY' || code === 'SQLITE_BUSY_SNAPSHOT' || code === 'SQLITE_LOCKED')
      return true
    // PostgreSQL: a deadlock or serialization failure aborted the transaction; it can run again.
    if (code === '40P01' || code === '40001') return true
  }
  return false
}

/**
 * Opens a ledger with `open`, retrying (without blocking the event loop) while a SQLite ledger is
 * busy with other processes' writes, for up to `waitMs`.
 */
export async function openWhenFree<T>(open: () => Promise<T>, waitMs = 10_000): Promise<T> {
  const deadline = Date.now() + waitMs
  for (let attempt = 0; ; attempt++) {
    try {
      return await open()
    } catch (error) {
      if (!isLedgerBusy(error) || Date.now() >= deadline) throw error
      await new Promise((resolve) =>
        setTimeout(resolve, Math.min(100, 5 + attempt * 5) * (0.5 + Math.random())),
      )
    }
  }
}
