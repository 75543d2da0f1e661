import { describe, expect, it } from 'vitest'
import { PALETTE, colorsFor } from './colors.js'

describe('colorsFor', () => {
  it('gives a key the same colour whatever else is in the set, while slots are free', () => {
    const a = colorsFor(['deepseek-v4-flash', 'gpt-5-mini', 'claude-sonnet-4.5'])
    const b = colorsFor(['claude-sonnet-4.5', 'deepseek-v4-flash', 'gpt-5-mini'])
    expect(a).toEqual(b)
    // Alone or among others that take other slots, a key keeps its colour.
    const alone = colorsFor(['gpt-5-mini'])['gpt-5-mini']
    expect(a['gpt-5-mini']).toBe(alone)
    expect(PALETTE).toContain(alone)
  })

  it('never gives two keys of one set the same colour while the palette has room', () => {
    const keys = Array.from({ length: PALETTE.length }, (_, i) => `model-${i}`)
    expect(new Set(Object.values(colorsFor(keys))).size).toBe(PALETTE.length)
  })
})
