/**
 * For a process that is exiting: the meter's work on finished calls normally runs in a later turn
 * of the event loop (off the caller's path), and in an `exit` handler that turn never comes. This
 * runs it at once, so those calls are queued and flushSync() can write them.
 */
import { runAllDeferred } from './deferred-work.js'
import type { MeterCore } from './meter-core.js'

/** Delivers every tapped body already read and runs every deferred piece of work, now. */
export function settleNow(core: MeterCore): void {
  for (const tap of [...core.taps.keys()]) tap.deliverNow()
  runAllDeferred(core)
}
