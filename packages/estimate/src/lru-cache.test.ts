import { describe, expect, it } from 'vitest'
import { LruCache } from './lru-cache.js'

describe('LruCache', () => {
  it('evicts the least recently used entry when full', () => {
    const cache = new LruCache<string, number>(2)
    cache.set('a', 1)
    cache.set('b', 2)
    expect(cache.get('a')).toBe(1) // a is now the most recent
    cache.set('c', 3)
    expect(cache.has('b')).toBe(false)
    expect(cache.get('a')).toBe(1)
    expect(cache.get('c')).toBe(3)
    expect(cache.size).toBe(2)
    expect(cache.stats()).toEqual({ hits: 3, misses: 0 })
  })

  it('counts misses and never grows past its capacity', () => {
    const cache = new LruCache<number, number>(100)
    for (let i = 0; i < 1000; i++) cache.set(i, i)
    expect(cache.size).toBe(100)
    expect(cache.get(0)).toBeUndefined()
    expect(cache.get(999)).toBe(999)
    expect(cache.stats()).toEqual({ hits: 1, misses: 1 })
  })

  it('rejects a capacity that is not a positive integer', () => {
    expect(() => new LruCache(0)).toThrow(/capacity: expected a positive integer, got 0/)
  })
})
