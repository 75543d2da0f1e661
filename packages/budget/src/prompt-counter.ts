/**
 * A prompt-token counter the budget check may call, so a call's worst case is priced on its
 * counted prompt rather than on the byte bound (one token per body byte). The budget package does
 * not count tokens itself (it sits below the estimator, see DESIGN.md section 2): the proxy passes
 * one built on @tokenledger/estimate, and `createMeter({ budgets: { budgets, countPromptTokens } })`
 * takes one from the application.
 *
 * A counter must answer an UPPER bound of the prompt tokens the provider will bill, or undefined
 * when it cannot bound this request (a format it does not read, parts it cannot count): the
 * reservation is what keeps concurrent calls from overshooting a budget.
 */

/** The request a counter is asked about. */
export interface PromptToCount {
  /** Provider id (the pricing table's). */
  provider: string
  /** The model as requested. */
  model: string
  /** What kind of call: `/chat/completions`, `/responses`, `/messages`, `:generateContent`... */
  endpoint: string
  /** The parsed JSON request body. */
  body: Record<string, unknown>
}

/**
 * Counts (bounds from above) a request's prompt tokens; undefined when it cannot. May answer
 * asynchronously: a tokenizer is best run off the event loop (the proxy counts on a worker thread).
 */
export type PromptTokenCounter = (
  prompt: PromptToCount,
) => number | undefined | Promise<number | undefined>
