/**
 * Bodies nobody reads: a non-streamed response whose body the caller never reads was still billed,
 * so the meter reads it itself (through a clone, leaving the caller's copy intact) a while after
 * the call, and at once on flush.
 */
import type { MeterCore } from './meter-core.js'

/** How long a body may stay unread before the meter reads it through a clone. */
const SWEEP_AFTER_MS = 2000

/** Periodically reads bodies nobody read (they were billed all the same); stops when none is left. */
export function startSweeper(core: MeterCore): NodeJS.Timeout {
  const timer = setInterval(() => {
    const now = performance.now()
    for (const [tap, startPerf] of core.taps) if (now - startPerf >= SWEEP_AFTER_MS) tap.sweep()
    if (core.taps.size === 0) {
      clearInterval(timer)
      core.sweepTimer = null
    }
  }, SWEEP_AFTER_MS)
  timer.unref()
  return timer
}

/**
 * Reads every unread tapped body now and waits until the records of all finished reads are
 * queued. Bodies the caller is still reading are left to finish on their own.
 */
export async function settleTaps(core: MeterCore): Promise<void> {
  const waits: Array<Promise<void>> = []
  for (const tap of core.taps.keys()) {
    tap.sweep()
    const settled = tap.settled()
    if (settled) waits.push(settled)
  }
  await Promise.all(waits)
}
