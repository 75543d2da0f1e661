/**
 * Background work of the meter (a body read off the caller's path), tracked in the meter core so
 * flush() and close() can wait for its record.
 */
import type { MeterCore } from './meter-core.js'

/** Runs async work (a body read) in the background, tracked so flush() can wait for its record. */
export function trackBackgroundWork(core: MeterCore, work: () => Promise<void>): void {
  const task: Promise<void> = work()
    .catch((error: unknown) => core.report(error, { phase: 'record' }))
    .finally(() => core.reads.delete(task))
  core.reads.add(task)
}
