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
 * Runs `work` in a later turn of the event loop, once the caller's read has resumed: tracked so
 * flush() waits for it, and listed in `core.deferred` so an exiting process can run it at once.
 */
export function runAfterCallerResumes(core: MeterCore, work: () => void): void {
  trackBackgroundWork(
    core,
    () =>
      new Promise<void>((resolve, reject) => {
        const run = (): void => {
          if (!core.deferred.delete(run)) return
          try {
            resolve(work())
          } catch (error) {
            reject(error)
          }
        }
        core.deferred.add(run)
        setImmediate(run)
      }),
  )
}
