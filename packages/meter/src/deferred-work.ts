/**
 * The meter's two ways of putting work off the caller's path. Both are tracked in the meter core:
 * flush() waits for them, and an exiting process runs the deferred ones at once (settle-now.ts).
 */
import type { MeterCore } from './meter-core.js'

/** Runs async work (a body read) in the background, tracked so flush() can wait for its record. */
export function trackBackgroundWork(core: MeterCore, work: () => Promise<void>): void {
  const task: Promise<void> = work()
    .catch((error: unknown) => core.report(error, { phase: 'record' }))
    .finally(() => core.reads.delete(task))
  core.reads.add(task)
}

/**
 * Runs `work` in a later turn of the event loop, once the caller's read has resumed. The calls of
 * one turn share one setImmediate, and no promise (a timer and three promises per call cost the
 * caller's path more than some of the work they put off); `core.deferred` lists the pending work,
 * so flush(), close() and an exiting process run it at once (runAllDeferred).
 */
export function runAfterCallerResumes(core: MeterCore, work: () => void): void {
  const scheduled = core.deferred.size > 0
  core.deferred.add(work)
  if (!scheduled) runDeferredSoon(core)
}

/** Runs one piece of deferred work now, if it is still pending; never throws. */
export function runDeferred(core: MeterCore, work: () => void): void {
  if (!core.deferred.delete(work)) return
  try {
    work()
  } catch (error) {
    core.report(error, { phase: 'record' })
  }
}

/** Runs every piece of deferred work pending now. */
export function runAllDeferred(core: MeterCore): void {
  for (const work of [...core.deferred]) runDeferred(core, work)
}

function runDeferredSoon(core: MeterCore): void {
  setImmediate(() => {
    runAllDeferred(core)
    // Work deferred by the work just run waits for a turn of its own.
    if (core.deferred.size > 0) runDeferredSoon(core)
  })
}
