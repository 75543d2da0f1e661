/**
 * Reservations a guard takes ahead of its next calls. A ledger round trip before every call (a
 * locked transaction and a commit) cost a proxy about 0.4 ms per request, so when a call has to
 * go to the ledger and its budgets have room, the guard reserves a few more worst cases of the
 * same size under new call ids, in the same transaction. The next calls that fall under the same
 * budgets and cost at most that much each take one of those ids, with no round trip. They are
 * ordinary reservations: counted by every process's check, deleted when the call's record is
 * written (it carries the id), leased like the others.
 *
 * How many: the room the last round trip saw, divided among `ROOM_SHARE` times as many worst
 * cases, at most `MOST_AHEAD`. Near a limit that is none, and every call reserves for itself
 * alone, as without this: reservations held ahead never make another process refuse a call
 * while the budget is still far from its limit. Held ones go back to the ledger when their
 * budgets saw no call for a lease renewal's interval, or when the guard closes.
 */

/** At most this many reservations are held ahead for one set of budgets. */
export const MOST_AHEAD = 63
/** Ahead reservations take at most 1 / ROOM_SHARE of the room their budgets had. */
export const ROOM_SHARE = 8

/** A limit and where its budget stood before a round trip. */
export interface Room {
  limitPico: bigint
  spentPico: bigint
  reservedPico: bigint
}

/** The ready reservations for one set of budgets (the budgets a call falls under). */
export class ReservationsAhead {
  /** Ids reserved and not given to a call yet, each for a worst case up to `#pico`. */
  #ready: string[] = []
  #pico = 0n
  /** How many to hold, from the room the last round trip saw. */
  #wanted = 0
  /** Settles when the round trip asking for some ends; null when none is under way. */
  #asking: { ids: string[]; done: Promise<void>; end: () => void } | null = null
  #usedSinceTick = false

  /** A ready id for a call whose worst case is `pico`, or null (it goes to the ledger). */
  take(pico: bigint): string | null {
    if (pico > this.#pico) return null
    const id = this.#ready.pop()
    if (id === undefined) return null
    this.#usedSinceTick = true
    return id
  }

  /**
   * True when half of those wanted or fewer are left: time to top them up while calls take the
   * rest. Half, because a round trip can wait tens of milliseconds for the write thread's commit
   * (its fsync holds the ledger's lock): at 1,000 calls/s the rest must last that long, or calls
   * find none and wait too.
   */
  low(): boolean {
    return this.#asking === null && this.#wanted > 0 && this.#ready.length * 2 <= this.#wanted
  }

  /**
   * The ids to reserve ahead in a round trip for calls of `pico` (none while another round trip
   * asks). Pass the same list to `settle` or `failed` when it ends.
   */
  ask(pico: bigint, newId: () => string): string[] {
    const count = this.#wanted - this.#ready.length
    // Ids still held for smaller worst cases: none more until they are used or go back idle.
    if (this.#asking || count <= 0 || (pico > this.#pico && this.#ready.length > 0)) return []
    let end = () => {}
    const done = new Promise<void>((resolve) => (end = resolve))
    const ids = Array.from({ length: count }, newId)
    this.#asking = { ids, done, end }
    return ids
  }

  /**
   * While a round trip asks for some, a promise of its end: a call that found none ready waits
   * for it rather than making a round trip of its own, as all the calls arriving while one is
   * under way would (a proxy under load). Null when none is under way.
   */
  asked(): Promise<void> | null {
    return this.#asking?.done ?? null
  }

  #endAsking(asked: string[]): void {
    if (this.#asking?.ids !== asked) return
    this.#asking.end()
    this.#asking = null
  }

  /**
   * After a round trip for calls of `pico` that also reserved `ownPico` for its own call (0 for a
   * top-up): keeps the ahead ids taken (the first `taken` of `asked`) and sizes how many to hold
   * from the room each budget had left after it.
   */
  settle(pico: bigint, asked: string[], taken: number, rooms: Room[], ownPico: bigint): void {
    if (taken > 0) {
      // Every ready id covers the smallest worst case any of them was reserved for.
      if (this.#ready.length === 0 || pico < this.#pico) this.#pico = pico
      this.#ready.push(...asked.slice(0, taken))
    }
    const reserved = ownPico + BigInt(taken) * pico
    let fits = BigInt(MOST_AHEAD)
    for (const room of rooms) {
      const left = room.limitPico - room.spentPico - room.reservedPico - reserved
      const share = left <= 0n || pico === 0n ? 0n : left / (pico * BigInt(ROOM_SHARE))
      if (share < fits) fits = share
    }
    this.#wanted = Number(fits)
    this.#endAsking(asked)
  }

  /** A round trip that failed (or never started): the next one asks again. */
  failed(asked: string[]): void {
    this.#endAsking(asked)
  }

  /**
   * On each lease renewal: the ready ids, when no call took one since the last renewal (they go
   * back to the ledger), else none.
   */
  idle(): string[] {
    const used = this.#usedSinceTick
    this.#usedSinceTick = false
    if (used || this.#ready.length === 0) return []
    return this.drain()
  }

  /** Every ready id, no longer held. */
  drain(): string[] {
    const ids = this.#ready
    this.#ready = []
    return ids
  }
}
