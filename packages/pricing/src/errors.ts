/** The closed set of error codes tokenledger raises; callers branch on `code`, never on text. */
export const ERROR_CODES = {
  PRICING_INVALID: 'a pricing file or override does not match the schema',
  PRICING_LOOKUP: 'a pricing lookup was asked with bad arguments',
  USAGE_INVALID: 'a usage breaks the subset rules',
  USAGE_IMPLAUSIBLE: 'a usage was stored as reported but exceeds what the model can take',
  FLAG_INVALID: 'a command-line flag is invalid',
  OPTION_INVALID: 'an option passed to a library function is invalid',
  RECORD_INVALID: 'a call record handed to the ledger is malformed',
  MODEL_UNKNOWN: 'no price is known for the model',
  BATCH_LINE_INVALID: 'a line of a batch file is invalid',
  STORE_UNAVAILABLE: 'the ledger cannot be opened or written',
  QUERY_INVALID: 'a query parameter is invalid',
  BUDGET_INVALID: 'a budget definition is invalid',
  BUDGET_EXCEEDED: 'a call would pass a budget limit and was not sent',
  DRIVER_MISSING: 'a database driver the store URL needs is not installed',
  PROVIDER_UNKNOWN: 'calls go to a host no provider of the pricing table has: they are unpriced',
  USAGE_MISSING: 'a response carried no usage: its tokens are estimated',
} as const

export type ErrorCode = keyof typeof ERROR_CODES

/**
 * The one error class of tokenledger. The message reads where, then what, then what was expected:
 * `pricing/deepseek.json: models[1].cards[0].rates.input: expected a decimal string, got 0.27`.
 */
export class TokenledgerError extends Error {
  override readonly name = 'TokenledgerError'
  readonly code: ErrorCode
  /** Machine-readable facts of the error, when its code has some (BUDGET_EXCEEDED: the budget). */
  readonly details: Readonly<Record<string, unknown>> | undefined

  constructor(
    code: ErrorCode,
    message: string,
    options?: { cause?: unknown; details?: Record<string, unknown> },
  ) {
    super(message, options)
    this.code = code
    this.details = options?.details
  }
}

/**
 * True when `error` is a TokenledgerError, optionally of the given code. Recognised by its `name`
 * and a known `code`, not by `instanceof`: an application that ends up with two installed copies
 * of the package (two versions side by side) gets errors from either class, and both must count.
 */
export function isTokenledgerError(error: unknown, code?: ErrorCode): error is TokenledgerError {
  if (!(error instanceof Error) || error.name !== 'TokenledgerError') return false
  const actual = (error as { code?: unknown }).code
  return (
    typeof actual === 'string' &&
    Object.hasOwn(ERROR_CODES, actual) &&
    (code === undefined || actual === code)
  )
}
