/**
 * Writing of queued records when the process ends:
 * - `beforeExit` (the event loop ran dry: a normal end of a script): flush every live meter;
 * - `SIGINT` / `SIGTERM`: flush (bounded by a timeout), then let the signal do what it would have
 *   done: when no other listener handles it, it is raised again, so the process still dies of it;
 * - `exit` (also after `process.exit()`, an application's own signal handler that calls it, and
 *   an uncaught exception): only synchronous code runs any more, so what is queued is written
 *   synchronously where the ledger can do that (SQLite, once open); a PostgreSQL ledger cannot,
 *   and those records are lost, as everything is on SIGKILL. Calls whose response is still being
 *   read have no record yet and are lost on every exit but the first two.
 * One set of process listeners serves every meter; they are removed when the last meter closes.
 * What survives each way out is measured in test/meter-exit-flush.test.ts (meter README).
 */

/** What exit-flush needs of a meter. */
export interface Flushable {
  /** Records waiting. */
  readonly pending: number
  /** Writes them; must not throw (failures go to the meter's onError). */
  flushQuietly(): Promise<void>
  /** Writes them synchronously where the ledger can; must not throw. */
  flushSync(): void
}

const live = new Set<Flushable>()
const SIGNALS = ['SIGINT', 'SIGTERM'] as const
/** How long a signal waits for the ledger before the process goes on dying. */
const SIGNAL_FLUSH_TIMEOUT_MS = 3000
let flushingBeforeExit = false

function onBeforeExit(): void {
  // Flushing schedules work, after which beforeExit fires again: only go round while there is
  // something left and the last round is done.
  if (flushingBeforeExit) return
  const pending = [...live].filter((meter) => meter.pending > 0)
  if (pending.length === 0) return
  flushingBeforeExit = true
  void Promise.allSettled(pending.map((meter) => meter.flushQuietly())).finally(() => {
    flushingBeforeExit = false
  })
}

function onExit(): void {
  for (const meter of live) {
    try {
      meter.flushSync()
    } catch {
      // Nothing can be done about it any more; the meter's onError was told.
    }
  }
}

function onSignal(signal: NodeJS.Signals): void {
  const flushed = Promise.allSettled([...live].map((meter) => meter.flushQuietly()))
  const timeout = new Promise((resolve) => setTimeout(resolve, SIGNAL_FLUSH_TIMEOUT_MS).unref())
  void Promise.race([flushed, timeout]).then(() => {
    const others = process.listeners(signal).filter((listener) => listener !== onSignal)
    if (others.length > 0) return
    process.removeListener(signal, onSignal)
    process.kill(process.pid, signal)
  })
}

/** Starts flushing `meter` on exit. */
export function registerExitFlush(meter: Flushable): void {
  if (live.size === 0) {
    process.on('beforeExit', onBeforeExit)
    process.on('exit', onExit)
    for (const signal of SIGNALS) process.on(signal, onSignal)
  }
  live.add(meter)
}

/** Stops flushing `meter` on exit (it closed). */
export function unregisterExitFlush(meter: Flushable): void {
  if (!live.delete(meter) || live.size > 0) return
  process.removeListener('beforeExit', onBeforeExit)
  process.removeListener('exit', onExit)
  for (const signal of SIGNALS) process.removeListener(signal, onSignal)
}
