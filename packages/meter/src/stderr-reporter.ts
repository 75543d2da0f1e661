/**
 * The meter's default `onError`: failures are never silent. Each kind of failure (phase and error
 * code) is written to stderr the first time it happens; more of the same kind within a minute are
 * counted and the count rides on the next line of that kind. A ledger that stays down costs one
 * line a minute, not one per call. Passing `onError` replaces this.
 */
import { isTokenledgerError } from '@tokenledger/pricing'
import type { OnMeterError } from './record-queue.js'

/** At most one line per kind in this many ms. */
export const STDERR_REPORT_INTERVAL_MS = 60_000

/**
 * Creates the default reporter.
 * @param write where lines go (stderr by default)
 * @param now the clock, in ms
 */
export function createStderrReporter(
  write: (line: string) => void = (line) => process.stderr.write(line),
  now: () => number = Date.now,
): OnMeterError {
  const kinds = new Map<string, { lastAt: number; suppressed: number }>()
  return function reportToStderr(error, context) {
    const code = isTokenledgerError(error) ? error.code : error.name
    const kind = `${context.phase}:${code}`
    const at = now()
    const seen = kinds.get(kind)
    if (seen && at - seen.lastAt < STDERR_REPORT_INTERVAL_MS) {
      seen.suppressed++
      return
    }
    const more =
      seen && seen.suppressed > 0 ? ` (${seen.suppressed} more like it since the last line)` : ''
    kinds.set(kind, { lastAt: at, suppressed: 0 })
    const records = context.records === undefined ? '' : `, ${context.records} record(s)`
    write(
      `tokenledger meter (${context.phase}${records}): ${error.message}${more}; ` +
        `repeats of this are shown at most once a minute (pass createMeter({ onError }) to handle them)\n`,
    )
  }
}
