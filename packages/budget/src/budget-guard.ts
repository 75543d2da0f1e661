/**
 * The budget check before a call is sent, shared by the meter and the proxy (one implementation).
 * `guard.reserve(call)` finds the budgets the call falls under, computes its worst-case cost and
 * reserves it in the ledger against all of them at once (see @tokenledger/store budget-ledger.ts):
 * - a `block` budget it would pass: nothing is reserved and BUDGET_EXCEEDED is thrown, before any
 *   byte of the call leaves;
 * - a `warn` budget it would pass: reported through `onError`, the call goes on;
 * - an unpriced call, or an unreachable ledger: the `unpriced` / `ledgerUnavailable` option says
 *   whether to allow it (reported) or refuse it.
 *
 * The prompt's share of the worst case is first bounded by the request's size (one token per body
 * byte: an upper bound that costs nothing). Only when that bound would pass a budget's limit, and
 * the guard has a prompt counter (`countPromptTokens`), is the prompt counted and the check made
 * again with the counted bound: a call the byte bound admits needs no count, so the common case
 * stays one ledger round trip and no tokenizer work, and a big prompt near a limit is judged on
 * its real size instead of being refused too early.
 *
 * Far from its budgets' limits, a round trip also reserves a few more worst cases of the same size
 * for the next calls (reservations-ahead.ts): most calls then take one of those with no round
 * trip at all. Near a limit every call reserves for itself.
 *
 * The reservation carries the id the call's record will have; once that record is in the ledger
 * its actual cost counts instead (an aborted stream: what it used; a failed call: nothing unless
 * billed). The guard renews its reservations' lease while the process lives; a crashed process's
 * reservations stop counting when the lease ends.
 */
import { randomUUID } from 'node:crypto'
import { picoFromUsd, type PricingTable, TokenledgerError } from '@tokenledger/pricing'
import {
  type BudgetClaim,
  type BudgetStanding,
  type LedgerStore,
  openWhenFree,
  releaseReservations,
  renewReservations,
  reserveInLedger,
  saveBudgetDefinitions,
  type Tags,
} from '@tokenledger/store'
import {
  type BudgetDefinition,
  type BudgetFallback,
  type BudgetsConfig,
  parseBudgetsConfig,
} from './budget-definition.js'
import { budgetExceeded } from './budget-exceeded.js'
import { periodWindow } from './budget-period.js'
import type { PromptTokenCounter } from './prompt-counter.js'
import { ReservationsAhead, type Room } from './reservations-ahead.js'
import { rememberedWorstCase, type WorstCase } from './worst-case-cost.js'

/** A call about to be sent. */
export interface GuardedCall {
  /** Provider id (the pricing table's), as the record will carry it. */
  provider: string
  /** The model as requested. */
  model: string
  /** What kind of call (`/chat/completions`, `/messages`, `:generateContent`...), for the counter. */
  endpoint?: string
  body: Record<string, unknown> | null
  bodyBytes: number
  tags: Readonly<Tags>
  /** Prompt tokens counted by a tokenizer, when the caller has them (the guard's counter is then not asked). */
  promptTokens?: number
}

/** Where the guard reports what it let through or could not check. */
export type OnBudgetError = (error: Error, context: { phase: 'budget'; budget?: string }) => void

/** Options of `createBudgetGuard`. */
export interface BudgetGuardOptions extends BudgetsConfig {
  /** The shared ledger: a store, or a function opening it on first use. */
  store: LedgerStore | (() => Promise<LedgerStore>)
  prices: PricingTable
  /**
   * Bounds a call's prompt tokens when its byte bound would pass a limit (see the module comment
   * and prompt-counter.ts). Without it, the byte bound decides.
   */
  countPromptTokens?: PromptTokenCounter | undefined
  onError?: OnBudgetError
  /** Where messages name the configuration. @default 'budgets' */
  where?: string
}

/** A budget guard (see the module comment). */
export interface BudgetGuard {
  /** The budgets enforced, checked. */
  readonly budgets: readonly BudgetDefinition[]
  /**
   * Reserves a call's worst case against every budget it falls under.
   * @returns the id the call's record must carry, or null when nothing was reserved.
   * @throws TokenledgerError BUDGET_EXCEEDED (details: budget, spent, reserved, limit, requested,
   *   resetsAt), or STORE_UNAVAILABLE when the ledger is unreachable and `ledgerUnavailable` is 'block'.
   */
  reserve(call: GuardedCall): Promise<string | null>
  /** Drops the reservations of calls that will never be recorded. */
  release(callIds: string[]): Promise<void>
  /** Stops renewing and deletes this guard's reservations (call after the records are written). */
  close(): Promise<void>
}

interface Prepared {
  definition: BudgetDefinition
  limitPico: bigint
  /** Canonical model id of the scope, when it names one. */
  model: string | undefined
  timeZone: string
}

/**
 * Creates a guard. Definitions are checked here, once; they are saved to the ledger on first use,
 * so `tokenledger budgets` and the dashboard can report on them.
 * @throws TokenledgerError BUDGET_INVALID naming the bad field.
 */
export function createBudgetGuard(options: BudgetGuardOptions): BudgetGuard {
  const where = options.where ?? 'budgets'
  const config = parseBudgetsConfig(
    {
      budgets: options.budgets,
      ...(options.unpriced ? { unpriced: options.unpriced } : {}),
      ...(options.ledgerUnavailable ? { ledgerUnavailable: options.ledgerUnavailable } : {}),
      ...(options.leaseSeconds ? { leaseSeconds: options.leaseSeconds } : {}),
    },
    where,
  )
  const prices = options.prices
  // Not `worstCaseCost` itself: the same worst cases, remembered per minute (worst-case-cost.ts).
  const worstCaseOf = rememberedWorstCase(prices)
  const prepared = config.budgets.map((definition, i) =>
    prepare(definition, prices, `${where}: budgets[${i}] (${definition.id})`),
  )
  const unpriced: BudgetFallback = config.unpriced ?? 'allow'
  const ledgerUnavailable: BudgetFallback = config.ledgerUnavailable ?? 'allow'
  const leaseMs = (config.leaseSeconds ?? 30) * 1000
  const holder = randomUUID()
  const onError = options.onError ?? (() => {})
  const report = (error: Error, budget?: string) => {
    try {
      onError(error, budget === undefined ? { phase: 'budget' } : { phase: 'budget', budget })
    } catch {
      // A throwing onError must not break the call.
    }
  }
  let storePromise: Promise<LedgerStore> | null = null
  const openLedger = async (): Promise<LedgerStore> => {
    storePromise ??= (async () => {
      const open = options.store
      // A SQLite ledger busy with other processes' writes is waited for, not taken as unreachable.
      const store = typeof open === 'function' ? await openWhenFree(open, 30_000) : open
      const definitions = config.budgets.map((budget) => ({
        id: budget.id,
        definition: JSON.stringify(budget),
      }))
      await openWhenFree(() => saveBudgetDefinitions(store, definitions), 30_000)
      return store
    })().catch((error: unknown) => {
      storePromise = null
      throw error
    })
    return storePromise
  }
  let held = 0
  /** Reservations held ahead of calls, by the set of budgets they were taken for. */
  const aheads = new Map<string, ReservationsAhead>()
  let renewTimer: NodeJS.Timeout | null = null
  const startRenewing = (store: LedgerStore) => {
    if (renewTimer) return
    renewTimer = setInterval(
      () => {
        // Ahead reservations no call took since the last renewal go back, so an idle process
        // holds no room another one could use.
        const idle = [...aheads.values()].flatMap((ahead) => ahead.idle())
        // Retried while a SQLite ledger is busy: a lease that lapses while its holder lives would
        // let others spend what this process has reserved.
        openWhenFree(async () => {
          if (idle.length > 0) await releaseReservations(store, holder, idle)
          idle.length = 0
          return renewReservations(store, holder, leaseMs)
        }, leaseMs / 2).then(
          (count) => {
            held = count
            if (count === 0 && renewTimer) {
              clearInterval(renewTimer)
              renewTimer = null
            }
          },
          (error: unknown) =>
            report(
              new Error(
                `budget: lease renewal failed (${asError(error).message}); retried shortly`,
                { cause: error },
              ),
            ),
        )
      },
      Math.max(100, Math.floor(leaseMs / 3)),
    )
    renewTimer.unref()
  }

  /**
   * Reserves more ahead in the background while calls take the last ready ones. A failure is not
   * reported here: the next call that finds none goes to the ledger itself and reports it.
   */
  const topUp = (
    ahead: ReservationsAhead,
    pico: bigint,
    claims: BudgetClaim[],
    matching: Prepared[],
  ) => {
    const ids = ahead.ask(pico, randomUUID)
    if (ids.length === 0) return
    openLedger()
      .then((store) =>
        reserveInLedger(store, { callId: null, holder, leaseMs, claims, ahead: ids }),
      )
      .then(
        (result) =>
          ahead.settle(pico, ids, result.aheadTaken, roomsOf(matching, result.standings), 0n),
        () => ahead.failed(ids),
      )
  }

  const counter = options.countPromptTokens
  /** The counted prompt tokens, when the counter bounds them below `byteBound`; else null. */
  const countPrompt = async (call: GuardedCall, byteBound: number): Promise<number | null> => {
    if (!counter || call.promptTokens !== undefined || call.body === null) return null
    let tokens: number | undefined
    try {
      tokens = await counter({
        provider: call.provider,
        model: call.model,
        endpoint: call.endpoint ?? '',
        body: call.body,
      })
    } catch (error) {
      report(
        new Error(
          `budget: the prompt counter failed (${asError(error).message}); the byte bound stands`,
          { cause: error },
        ),
      )
      return null
    }
    if (tokens === undefined || !Number.isSafeInteger(tokens) || tokens < 0) return null
    return tokens < byteBound ? tokens : null
  }

  return {
    budgets: config.budgets,
    async reserve(call: GuardedCall): Promise<string | null> {
      const canonical = prices.resolveModel(call.provider, call.model)?.model.id ?? null
      const matching = prepared.filter((budget) => applies(budget, call, canonical))
      if (matching.length === 0) return null
      const now = new Date()
      const bound = (promptTokens: number | undefined): WorstCase =>
        worstCaseOf({
          provider: call.provider,
          model: call.model,
          body: call.body,
          bodyBytes: call.bodyBytes,
          at: now,
          ...(promptTokens !== undefined ? { promptTokens } : {}),
        })
      let worst = bound(call.promptTokens)
      if (!worst.priced) {
        const ids = matching.map((budget) => budget.definition.id).join(', ')
        const message = `budget ${ids}: cannot bound the cost of this call (${worst.reason})`
        if (
          unpriced === 'block' &&
          matching.some((budget) => budget.definition.action === 'block')
        ) {
          throw new TokenledgerError('BUDGET_EXCEEDED', `${message}; refused (unpriced: 'block')`, {
            details: { budget: matching[0]!.definition.id, reason: 'unpriced' },
          })
        }
        report(
          new TokenledgerError(
            'MODEL_UNKNOWN',
            `${message}; sent without a reservation (unpriced: 'allow')`,
          ),
        )
        return null
      }
      const claimsFor = (pico: bigint): BudgetClaim[] =>
        matching.map((budget) => {
          const window = periodWindow(budget.definition.period, budget.timeZone, now)
          return {
            id: budget.definition.id,
            query: {
              since: window.since,
              ...(budget.definition.scope.provider
                ? { provider: budget.definition.scope.provider }
                : {}),
              ...(budget.model ? { model: budget.model } : {}),
              ...(budget.definition.scope.tags ? { tags: budget.definition.scope.tags } : {}),
            },
            limitPico: budget.limitPico,
            amountPico: pico,
            block: budget.definition.action === 'block',
          }
        })
      const aheadKey = matching.map((budget) => budget.definition.id).join('\n')
      let ahead = aheads.get(aheadKey)
      if (!ahead) aheads.set(aheadKey, (ahead = new ReservationsAhead()))
      let ready = ahead.take(worst.pico)
      const asked = ready === null ? ahead.asked() : null
      if (asked) {
        await asked
        ready = ahead.take(worst.pico)
      }
      if (ready !== null) {
        if (ahead.low()) topUp(ahead, worst.pico, claimsFor(worst.pico), matching)
        return ready
      }
      // Asked before any wait, so the calls arriving meanwhile wait for this round trip.
      const aheadIds = ahead.ask(worst.pico, randomUUID)
      let callId = randomUUID()
      let result
      try {
        const store = await openLedger()
        result = await reserveInLedger(store, {
          callId,
          holder,
          leaseMs,
          claims: claimsFor(worst.pico),
          ...(aheadIds.length > 0 ? { ahead: aheadIds } : {}),
        })
        ahead.settle(
          worst.pico,
          aheadIds,
          result.aheadTaken,
          roomsOf(matching, result.standings),
          worst.pico,
        )
        // The byte bound passes a limit: judged again on the counted prompt, when that is smaller.
        const tokens = result.over.length > 0 ? await countPrompt(call, worst.inputTokens) : null
        const counted = tokens === null ? null : bound(tokens)
        if (counted?.priced && counted.pico < worst.pico) {
          // A warn budget only was passed (the reservation is taken): the smaller one replaces it.
          if (result.taken)
            await openWhenFree(() => releaseReservations(store, holder, [callId]), 10_000)
          worst = counted
          callId = randomUUID()
          result = await reserveInLedger(store, {
            callId,
            holder,
            leaseMs,
            claims: claimsFor(worst.pico),
          })
        }
        if (result.taken) startRenewing(store)
      } catch (error) {
        // The calls waiting for this round trip go on (no-op once it settled).
        ahead.failed(aheadIds)
        const message = `budget check: the ledger is unreachable (${asError(error).message})`
        if (ledgerUnavailable === 'block') {
          throw new TokenledgerError(
            'STORE_UNAVAILABLE',
            `${message}; call refused (ledgerUnavailable: 'block')`,
            { cause: error },
          )
        }
        report(
          new TokenledgerError(
            'STORE_UNAVAILABLE',
            `${message}; call sent unchecked (ledgerUnavailable: 'allow')`,
            { cause: error },
          ),
        )
        return null
      }
      for (const id of result.over) {
        const budget = matching.find((b) => b.definition.id === id)!
        const standing = result.standings.find((s) => s.id === id)!
        const error = budgetExceeded(budget.definition, standing, worst.pico, now)
        if (!result.taken && budget.definition.action === 'block') throw error
        if (budget.definition.action === 'warn') report(error, id)
      }
      held++
      return callId
    },
    async release(callIds: string[]): Promise<void> {
      if (callIds.length === 0 || !storePromise) return
      const store = await storePromise
      await openWhenFree(() => releaseReservations(store, holder, callIds), 10_000)
    },
    async close(): Promise<void> {
      if (renewTimer) clearInterval(renewTimer)
      renewTimer = null
      // A top-up still under way would add reservations after the release below.
      await Promise.all([...aheads.values()].map((ahead) => ahead.asked()))
      for (const ahead of aheads.values()) ahead.drain()
      if (!storePromise || held === 0) return
      try {
        const store = await storePromise
        await openWhenFree(() => releaseReservations(store, holder), 10_000)
      } catch (error) {
        // Not fatal: the reservations stop counting when their lease ends.
        report(
          new Error(
            `budget: releasing reservations failed (${asError(error).message}); they lapse with their lease`,
            { cause: error },
          ),
        )
      }
    },
  }
}

function prepare(definition: BudgetDefinition, prices: PricingTable, where: string): Prepared {
  const { provider, model } = definition.scope
  if (provider !== undefined && !prices.provider(provider)) {
    const known = prices
      .providers()
      .map((p) => p.id)
      .sort()
    throw new TokenledgerError(
      'BUDGET_INVALID',
      `${where}.scope.provider: unknown provider ${JSON.stringify(provider)}; expected one of ${known.join(', ')}`,
    )
  }
  let canonical: string | undefined
  if (model !== undefined) {
    canonical =
      provider !== undefined
        ? prices.resolveModel(provider, model)?.model.id
        : prices.servingProviders(model)[0]?.model.id
    if (canonical === undefined) {
      throw new TokenledgerError(
        'BUDGET_INVALID',
        `${where}.scope.model: unknown model ${JSON.stringify(model)}${provider ? ` for ${provider}` : ''}; expected a model id of the pricing table (see tokenledger prices)`,
      )
    }
  }
  return {
    definition,
    limitPico: picoFromUsd(definition.limit),
    model: canonical,
    timeZone: definition.timeZone ?? 'UTC',
  }
}

/** Each matching budget's limit and standing, for sizing the reservations held ahead. */
function roomsOf(matching: Prepared[], standings: BudgetStanding[]): Room[] {
  return matching.map((budget, i) => ({ limitPico: budget.limitPico, ...standings[i]! }))
}

function applies(budget: Prepared, call: GuardedCall, model: string | null): boolean {
  const scope = budget.definition.scope
  if (scope.provider !== undefined && scope.provider !== call.provider) return false
  if (budget.model !== undefined && budget.model !== model) return false
  for (const [key, value] of Object.entries(scope.tags ?? {}))
    if (call.tags[key] !== value) return false
  return true
}

function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error))
}
