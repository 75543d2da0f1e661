/**
 * For a process that is exiting: a tapped JSON body is delivered to the meter in a later turn of
 * the event loop (off the caller's path), and in an `exit` handler that turn never comes. This
 * delivers it at once, so the call is queued and flushSync() can write it. (A finished stream is
 * queued at its end, parsed when its record is built.)
 */
import type { MeterCore } from './meter-core.js'

/** Delivers every tapped body already read, now. */
export function settleNow(core: MeterCore): void {
  for (const tap of [...core.taps.keys()]) tap.deliverNow()
}
