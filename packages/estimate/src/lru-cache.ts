/**
 * A bounded least-recently-used map. Token counting memoises per distinct message content and per
 * regex piece; batch files hold millions of them, so every cache must have a ceiling or memory would
 * grow with the file.
 *
 * A JS `Map` iterates in insertion order, so re-inserting on a hit moves the key to the young end
 * and the oldest key is always the first one: eviction is O(1) without a linked list.
 */
export class LruCache<K, V> {
  readonly #map = new Map<K, V>()
  readonly #capacity: number
  #hits = 0
  #misses = 0

  /**
   * @param capacity the most entries kept (at least 1).
   * @throws RangeError when `capacity` is not a positive integer.
   */
  constructor(capacity: number) {
    if (!Number.isSafeInteger(capacity) || capacity < 1) {
      throw new RangeError(`capacity: expected a positive integer, got ${String(capacity)}`)
    }
    this.#capacity = capacity
  }

  /** The value for `key`, marking it as recently used; undefined when absent. */
  get(key: K): V | undefined {
    const value = this.#map.get(key)
    if (value === undefined) {
      this.#misses++
      return undefined
    }
    this.#hits++
    this.#map.delete(key)
    this.#map.set(key, value)
    return value
  }

  /** Stores `value`, evicting the least recently used entry when full. */
  set(key: K, value: V): void {
    if (this.#map.has(key)) this.#map.delete(key)
    else if (this.#map.size >= this.#capacity) {
      const oldest = this.#map.keys().next()
      if (!oldest.done) this.#map.delete(oldest.value)
    }
    this.#map.set(key, value)
  }

  /** True when `key` is present; does not count as a use. */
  has(key: K): boolean {
    return this.#map.has(key)
  }

  get size(): number {
    return this.#map.size
  }

  get capacity(): number {
    return this.#capacity
  }

  /** Lookups that found a value and lookups that did not, since construction. */
  stats(): { hits: number; misses: number } {
    return { hits: this.#hits, misses: this.#misses }
  }
}
