/**
 * The meter's one contact with budgets: before a metered call is sent, `reserveBudget` asks the
 * meter's BudgetGuard (@tokenledger/budget) to reserve the call's worst case; it throws
 * BUDGET_EXCEEDED before any byte leaves when a `block` budget would pass its limit. The id it
 * returns becomes the id of the call's record, which is how the reservation turns into the call's
 * actual cost once the record is written (see @tokenledger/store budget-ledger.ts).
 *
 * Kept beside the meter's state (a WeakMap per meter) rather than in it, so a meter without
 * budgets pays nothing but one map lookup per call.
 */
import {
  type BudgetGuard,
  type BudgetsConfig,
  createBudgetGuard,
  type PromptTokenCounter,
} from '@tokenledger/budget'
import { type PricingTable, TokenledgerError } from '@tokenledger/pricing'
import type { LedgerStore } from '@tokenledger/store'
import type { FetchScope, MeterCore } from './meter-core.js'
import type { CallProvider } from './provider-detect.js'
import { type FetchInput, readRequest, type RequestTarget } from './read-request.js'
import type { OnMeterError } from './record-queue.js'
import { mergeTags } from './tags.js'

/**
 * The `budgets` option of `createMeter`: definitions (with their options and, optionally, a prompt
 * counter), or a guard.
 */
export type MeterBudgets = MeterBudgetsConfig | BudgetsConfig['budgets'] | BudgetGuard

/** Budget definitions and their options, as `createMeter({ budgets })` takes them. */
export interface MeterBudgetsConfig extends BudgetsConfig {
  /**
   * Bounds a call's prompt tokens from above when its byte bound (one token per body byte) would
   * pass a limit, so a big prompt is judged on its real size; undefined when it cannot bound the
   * request. Asked only then: calls the byte bound admits are never counted. The meter counts
   * nothing itself (it does not depend on @tokenledger/estimate); `tokenledger proxy` passes one
   * built on it for chat, Responses, Anthropic and Gemini requests.
   * @example
   * // countRequest: from @tokenledger/estimate (installed beside the meter).
   * const metered = createMeter({
   *   budgets: {
   *     budgets: [{ id: 'all', scope: {}, limit: '50', period: 'month', action: 'block' }],
   *     // OpenAI models only: their counts are exact (other families' are approximations).
   *     countPromptTokens: ({ provider, model, endpoint, body }) =>
   *       provider === 'openai' && endpoint === '/chat/completions' && !body['tools']
   *         ? countRequest(body, { model }).tokens
   *         : undefined,
   *   },
   * })
   */
  countPromptTokens?: PromptTokenCounter | undefined
}

interface Attached {
  guard: BudgetGuard
  /** Closes the store the guard opened (none when it shares the meter's store instance). */
  closeStore: () => Promise<void>
}

const GUARDS = new WeakMap<MeterCore, Attached>()

/**
 * Sets up the budgets of a meter (at `createMeter`, so bad definitions throw there). The guard
 * shares the meter's store when it is an instance, else opens the same URL itself.
 * @throws TokenledgerError BUDGET_INVALID for a bad definition, OPTION_INVALID for a store the
 *   budgets cannot use.
 */
export function attachBudgets(
  core: MeterCore,
  budgets: MeterBudgets,
  store: Pick<LedgerStore, 'insert' | 'close'> | string | undefined,
  prices: PricingTable,
  report: OnMeterError,
): void {
  if (isGuard(budgets)) {
    GUARDS.set(core, { guard: budgets, closeStore: async () => {} })
    return
  }
  let opened: LedgerStore | null = null
  let ledger: LedgerStore | (() => Promise<LedgerStore>)
  if (typeof store === 'object') {
    if (!isLedgerStore(store)) {
      throw new TokenledgerError(
        'OPTION_INVALID',
        'createMeter({ budgets }): budgets need the whole ledger: pass a store from openStore() or a store URL',
      )
    }
    ledger = store
  } else {
    ledger = async () => {
      const { openStore } = await import('@tokenledger/store')
      // A short busy timeout: the budget check retries a locked SQLite ledger without blocking.
      opened = await openStore(store, { busyTimeoutMs: 20 })
      return opened
    }
  }
  const config: MeterBudgetsConfig = Array.isArray(budgets) ? { budgets } : budgets
  const guard = createBudgetGuard({
    ...config,
    store: ledger,
    prices,
    where: 'createMeter({ budgets })',
    onError: (error, context) =>
      report(error, { phase: 'budget', ...(context.budget ? { budget: context.budget } : {}) }),
  })
  GUARDS.set(core, { guard, closeStore: async () => opened?.close() })
}

/**
 * Reserves a call's worst case; null (synchronously) when the meter has no budgets.
 * @returns a promise of the id the call's record must carry (undefined: nothing reserved).
 * @throws (the promise) TokenledgerError BUDGET_EXCEEDED, or STORE_UNAVAILABLE under `ledgerUnavailable: 'block'`.
 */
export function reserveBudget(
  core: MeterCore,
  scope: FetchScope,
  provider: CallProvider,
  input: FetchInput,
  init: RequestInit | undefined,
  target: RequestTarget,
): Promise<string | undefined> | null {
  const attached = GUARDS.get(core)
  if (!attached) return null
  const request = readRequest(input, init, target)
  const raw = init?.body
  const bodyBytes =
    typeof raw === 'string'
      ? Buffer.byteLength(raw)
      : raw instanceof Uint8Array
        ? raw.byteLength
        : 0
  return attached.guard
    .reserve({
      provider: provider.id,
      model: request?.model ?? '',
      endpoint: target.endpoint,
      body: request?.body ?? null,
      bodyBytes,
      tags: mergeTags(scope.tags, core.scope.current()),
    })
    .then((id) => id ?? undefined)
}

/** Releases the meter's reservations and closes the guard's own store (after the last write). */
export async function closeBudgets(core: MeterCore): Promise<void> {
  const attached = GUARDS.get(core)
  if (!attached) return
  GUARDS.delete(core)
  await attached.guard.close()
  await attached.closeStore()
}

function isGuard(value: MeterBudgets): value is BudgetGuard {
  return !Array.isArray(value) && typeof (value as BudgetGuard).reserve === 'function'
}

function isLedgerStore(store: object): store is LedgerStore {
  return (
    typeof (store as LedgerStore).summarize === 'function' &&
    typeof (store as LedgerStore).dialect === 'string'
  )
}
